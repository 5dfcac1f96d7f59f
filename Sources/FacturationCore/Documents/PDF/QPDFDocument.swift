import CQPDF

/// One PDF opened with qpdf's C API: the only owner of its `qpdf_data` (freed in `deinit`).
///
/// Object handles (`qpdf_oh`) are integers valid while the document lives; qpdf reports errors
/// on handles only through `qpdf_has_error`, checked before writing.
final class QPDFDocument {
    private var data: qpdf_data?

    init(path: String) throws {
        data = qpdf_init()
        try check(qpdf_read(data, path, nil), "read \(path)")
    }

    deinit { qpdf_cleanup(&data) }

    var root: qpdf_oh { qpdf_get_root(data) }
    var trailer: qpdf_oh { qpdf_get_trailer(data) }

    func name(_ text: String) -> qpdf_oh { qpdf_oh_new_name(data, text) }
    func string(_ text: String) -> qpdf_oh { qpdf_oh_new_unicode_string(data, text) }
    func integer(_ value: Int) -> qpdf_oh { qpdf_oh_new_integer(data, Int64(value)) }
    func indirect(_ object: qpdf_oh) -> qpdf_oh { qpdf_make_indirect_object(data, object) }
    func put(_ dictionary: qpdf_oh, _ key: String, _ value: qpdf_oh) {
        qpdf_oh_replace_key(data, dictionary, key, value)
    }

    func dictionary(_ entries: [(String, qpdf_oh)]) -> qpdf_oh {
        let dictionary = qpdf_oh_new_dictionary(data)
        for (key, value) in entries { put(dictionary, key, value) }
        return dictionary
    }

    func array(_ items: [qpdf_oh]) -> qpdf_oh {
        let array = qpdf_oh_new_array(data)
        for item in items { qpdf_oh_append_item(data, array, item) }
        return array
    }

    /// A stream of `bytes` whose dictionary holds `entries` (qpdf compresses it when writing,
    /// unless it is the XMP metadata, which it leaves readable).
    func stream(_ bytes: [UInt8], _ entries: [(String, qpdf_oh)]) -> qpdf_oh {
        let stream = qpdf_oh_new_stream(data)
        bytes.withUnsafeBufferPointer {
            qpdf_oh_replace_stream_data(
                data, stream, $0.baseAddress, $0.count, qpdf_oh_new_null(data), qpdf_oh_new_null(data))
        }
        let dictionary = qpdf_oh_get_dict(data, stream)
        for (key, value) in entries { put(dictionary, key, value) }
        return stream
    }

    /// Writes PDF 1.7 to `path`, with an `/ID` derived from the content: the same input gives the same bytes.
    func write(to path: String) throws {
        if qpdf_has_error(data) != 0 { try check(QPDF_ERRORS, "build the PDF objects") }
        try check(qpdf_init_write(data, path), "write \(path)")
        qpdf_set_minimum_pdf_version(data, "1.7")
        qpdf_set_deterministic_ID(data, QPDF_TRUE)
        try check(qpdf_write(data), "write \(path)")
    }

    private func check(_ code: QPDF_ERROR_CODE, _ action: String) throws {
        guard code & QPDF_ERRORS != 0 else { return }
        let detail =
            qpdf_has_error(data) != 0
            ? String(cString: qpdf_get_error_full_text(data, qpdf_get_error(data))) : "unknown error"
        throw FacturationError(.output, "qpdf could not \(action): \(detail)")
    }
}
