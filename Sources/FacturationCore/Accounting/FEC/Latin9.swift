/// ISO/IEC 8859-15 ("Latin-9"), the 8-bit character set the FEC law allows besides UTF-8.
///
/// It is Latin-1 (ISO 8859-1) except at eight positions: 0xA4 €, 0xA6 Š, 0xA8 š, 0xB4 Ž, 0xB8 ž,
/// 0xBC Œ, 0xBD œ, 0xBE Ÿ. The Latin-1 symbols that used to sit there (¤ ¦ ¨ ´ ¸ ¼ ½ ¾) cannot be
/// encoded. Bytes 0x80–0x9F are C1 control characters (Windows-1252 puts € at 0x80: a different set).
package enum Latin9 {
    /// The byte for a Unicode scalar, or nil when the character has none.
    @inline(__always)
    package static func byte(for scalar: UInt32) -> UInt8? {
        if scalar < 0xA0 { return UInt8(scalar) }
        if scalar <= 0xFF {
            switch scalar {
            case 0xA4, 0xA6, 0xA8, 0xB4, 0xB8, 0xBC, 0xBD, 0xBE: return nil
            default: return UInt8(scalar)
            }
        }
        switch scalar {
        case 0x20AC: return 0xA4
        case 0x0160: return 0xA6
        case 0x0161: return 0xA8
        case 0x017D: return 0xB4
        case 0x017E: return 0xB8
        case 0x0152: return 0xBC
        case 0x0153: return 0xBD
        case 0x0178: return 0xBE
        default: return nil
        }
    }

    /// ASCII for a character Latin-9 cannot encode: typographic quotes and dashes, ellipsis and
    /// bullets as their plain forms, anything else as `?`.
    package static func substitute(for scalar: UInt32) -> [UInt8] {
        switch scalar {
        case 0x2018, 0x2019, 0x201A, 0x201B, 0x2032, 0x00B4: return [0x27]  // ' (and ´, not in Latin-9)
        case 0x201C, 0x201D, 0x201E, 0x201F, 0x2033: return [0x22]  // "
        case 0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2015, 0x2212, 0x2022: return [0x2D]  // - (and the bullet)
        case 0x2026: return [0x2E, 0x2E, 0x2E]  // ...
        case 0x2002...0x200A, 0x202F, 0x205F: return [0x20]  // spaces
        default: return [0x3F]  // ?
        }
    }

    /// The Unicode scalar of a byte.
    @inline(__always)
    package static func scalar(for byte: UInt8) -> UInt32 {
        switch byte {
        case 0xA4: 0x20AC
        case 0xA6: 0x0160
        case 0xA8: 0x0161
        case 0xB4: 0x017D
        case 0xB8: 0x017E
        case 0xBC: 0x0152
        case 0xBD: 0x0153
        case 0xBE: 0x0178
        default: UInt32(byte)
        }
    }

    /// Decodes Latin-9 bytes into a string.
    package static func decode(_ bytes: some Sequence<UInt8>) -> String {
        var text = ""
        text.unicodeScalars.append(contentsOf: bytes.map { Unicode.Scalar(scalar(for: $0))! })
        return text
    }
}
