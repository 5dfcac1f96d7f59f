import CPangoCairo

/// One PDF file being drawn with cairo, its text laid out by pango: the only owner of the cairo
/// surface, its drawing context, the pango layout and the font descriptions (freed in `deinit`).
///
/// Fonts are embedded by cairo (subsets of the TrueType files fontconfig finds for the family);
/// the creation date is set from the document, so the same document gives the same bytes.
package final class PDFCanvas {
    /// A4 in points.
    package static let pageWidth = 595.2756
    package static let pageHeight = 841.8898

    package struct Metadata: Sendable {
        package var title: String
        package var author: String
        package var subject: String
        /// ISO 8601, e.g. `2025-08-31T00:00:00Z`: the PDF's creation and modification dates.
        package var date: String
    }

    private let surface: OpaquePointer
    private let context: OpaquePointer
    private let layout: OpaquePointer
    private var fonts: [TextStyle: OpaquePointer] = [:]
    /// Heights already measured, by text, width and style.
    ///
    /// Performance: a table measures every cell before drawing it, and an annex repeats the same
    /// dates, names, projects and durations on thousands of rows; shaping is most of the cost of a
    /// PDF, so a repeated cell is measured once. Bounded: emptied when it holds 8,192 entries.
    /// Invariant (InvoicePDFTests): a cached height is the height measured afresh.
    private var heights: [HeightKey: Double] = [:]
    private struct HeightKey: Hashable {
        let text: String
        let width: Double
        let style: TextStyle
    }
    static let heightCacheLimit = 8_192

    package init(path: String, metadata: Metadata) throws {
        SharedFontFaces.create()
        surface = cairo_pdf_surface_create(path, Self.pageWidth, Self.pageHeight)
        context = cairo_create(surface)
        layout = pango_cairo_create_layout(context)
        guard cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS, cairo_status(context) == CAIRO_STATUS_SUCCESS
        else {
            throw FacturationError(
                .output,
                "cannot create the PDF \(path): \(String(cString: cairo_status_to_string(cairo_surface_status(surface))))"
            )
        }
        for (key, value) in [
            (CAIRO_PDF_METADATA_TITLE, metadata.title), (CAIRO_PDF_METADATA_AUTHOR, metadata.author),
            (CAIRO_PDF_METADATA_SUBJECT, metadata.subject), (CAIRO_PDF_METADATA_CREATOR, "facturation"),
            (CAIRO_PDF_METADATA_CREATE_DATE, metadata.date), (CAIRO_PDF_METADATA_MOD_DATE, metadata.date),
        ] {
            cairo_pdf_surface_set_metadata(surface, key, value)
        }
    }

    deinit {
        for font in fonts.values { pango_font_description_free(font) }
        g_object_unref(UnsafeMutableRawPointer(layout))
        cairo_destroy(context)
        cairo_surface_destroy(surface)
    }

    /// The height of `text` laid out in `width` points with `style`.
    package func height(of text: String, width: Double, style: TextStyle) -> Double {
        let key = HeightKey(text: text, width: width, style: style)
        if let known = heights[key] { return known }
        let height = measuredHeight(of: text, width: width, style: style)
        if heights.count >= Self.heightCacheLimit { heights.removeAll(keepingCapacity: true) }
        heights[key] = height
        return height
    }

    /// The height of `text`, always laid out afresh (``height(of:width:style:)`` caches it).
    package func measuredHeight(of text: String, width: Double, style: TextStyle) -> Double {
        prepare(text, width: width, style: style, alignment: .left)
        var logical = PangoRectangle()
        pango_layout_get_extents(layout, nil, &logical)
        return facturation_pango_points(logical.height)
    }

    /// Where to cut `text` (laid out in `width`) so that its first part is at most `maxHeight`
    /// tall: the UTF-8 offset of the first line that does not fit, at least the end of the first
    /// line (so a caller always moves on), `text.utf8.count` when everything fits.
    package func fittingPrefix(of text: String, width: Double, style: TextStyle, maxHeight: Double) -> Int {
        prepare(text, width: width, style: style, alignment: .left)
        let count = Int(pango_layout_get_line_count(layout))
        var height = 0.0
        for index in 0..<count {
            guard let line = pango_layout_get_line_readonly(layout, Int32(index)) else { break }
            var logical = PangoRectangle()
            pango_layout_line_get_extents(line, nil, &logical)
            height += facturation_pango_points(logical.height)
            if height > maxHeight, index > 0 { return Int(line.pointee.start_index) }
        }
        return text.utf8.count
    }

    /// Draws `text` with its top-left corner at (x, y), wrapped in `width`.
    package func draw(_ text: String, x: Double, y: Double, width: Double, style: TextStyle, alignment: TextAlignment) {
        prepare(text, width: width, style: style, alignment: alignment)
        cairo_set_source_rgb(context, style.gray, style.gray, style.gray)
        cairo_move_to(context, x, y)
        pango_cairo_show_layout(context, layout)
    }

    /// A horizontal rule.
    package func rule(x: Double, y: Double, width: Double, weight: Double, gray: Double) {
        cairo_set_source_rgb(context, gray, gray, gray)
        cairo_set_line_width(context, weight)
        cairo_move_to(context, x, y)
        cairo_line_to(context, x + width, y)
        cairo_stroke(context)
    }

    /// A filled rectangle (table headers).
    package func fill(x: Double, y: Double, width: Double, height: Double, gray: Double) {
        cairo_set_source_rgb(context, gray, gray, gray)
        cairo_rectangle(context, x, y, width, height)
        cairo_fill(context)
    }

    /// `image` scaled to `width` × `height` points with its top-left corner at (x, y).
    package func draw(_ image: PNGImage, x: Double, y: Double, width: Double, height: Double) {
        cairo_save(context)
        cairo_translate(context, x, y)
        cairo_scale(context, width / Double(image.width), height / Double(image.height))
        cairo_set_source_surface(context, image.surface, 0, 0)
        cairo_paint(context)
        cairo_restore(context)
    }

    package func endPage() { cairo_show_page(context) }

    /// Writes the file out; the canvas cannot be drawn on afterwards.
    package func finish() throws {
        cairo_surface_finish(surface)
        let status = cairo_surface_status(surface)
        guard status == CAIRO_STATUS_SUCCESS else {
            throw FacturationError(
                .output, "the PDF could not be written: \(String(cString: cairo_status_to_string(status)))")
        }
    }

    private func prepare(_ text: String, width: Double, style: TextStyle, alignment: TextAlignment) {
        pango_layout_set_font_description(layout, font(style))
        pango_layout_set_width(layout, facturation_pango_units(width))
        pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR)
        let align: PangoAlignment =
            switch alignment {
            case .left: PANGO_ALIGN_LEFT
            case .right: PANGO_ALIGN_RIGHT
            case .center: PANGO_ALIGN_CENTER
            }
        pango_layout_set_alignment(layout, align)
        pango_layout_set_text(layout, text, -1)
    }

    private func font(_ style: TextStyle) -> OpaquePointer {
        if let known = fonts[style] { return known }
        let description = pango_font_description_new()!
        pango_font_description_set_family(description, style.family)
        pango_font_description_set_weight(description, style.bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL)
        pango_font_description_set_size(description, facturation_pango_units(style.size))
        fonts[style] = description
        return description
    }
}

/// Cairo's font faces for the PDFs' two fonts (DejaVu Sans and DejaVu Sans Bold), created once per
/// process before any PDF is drawn and never freed.
///
/// Why: cairo keeps one face per font file and options in a list it changes without a lock, and
/// pango gives each thread its own fonts. The documents stage draws on every core, each thread
/// starting with the same document layout: two threads creating the Bold face at the same moment
/// could both insert one and one insert was lost. That thread's first bold text then kept the
/// lost face and its later bold sizes found the other, so its PDFs embedded Bold twice (`/f-0-0`
/// and `/f-2-0`): the same look, other bytes than the same document drawn alone (seen in the
/// crash tests, which compare a recovered run's PDFs with an uninterrupted run's). Created here
/// first (Swift runs a static's initialiser once, other threads wait), the drawing threads only
/// ever find these faces in cairo's list; held, they are never removed from it.
/// A fallback font (a character DejaVu lacks) is still created by whichever thread needs it.
private enum SharedFontFaces {
    /// How many faces are held: their references are taken and never given back.
    private static let held: Int = {
        let surface = cairo_pdf_surface_create_for_stream(nil, nil, PDFCanvas.pageWidth, PDFCanvas.pageHeight)
        let context = cairo_create(surface)
        // A font map of its own, never freed: the thread's default one dies with the thread.
        let fontMap = pango_cairo_font_map_new()
        let pango = pango_font_map_create_context(fontMap)
        // The PDF surface's font options, as every PDF's layout gets them.
        pango_cairo_update_context(context, pango)
        var held = 0
        for bold in [false, true] {
            let description = pango_font_description_new()!
            pango_font_description_set_family(description, TextStyle(size: 10).family)
            pango_font_description_set_weight(description, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL)
            pango_font_description_set_size(description, facturation_pango_units(10))
            if let font = pango_context_load_font(pango, description),
                let scaled = pango_cairo_font_get_scaled_font(OpaquePointer(font)),
                let face = cairo_scaled_font_get_font_face(scaled)
            {
                cairo_font_face_reference(face)
                held += 1
            }
            pango_font_description_free(description)
        }
        cairo_destroy(context)
        cairo_surface_destroy(surface)
        return held
    }()

    static func create() { _ = held }
}

/// How a piece of text looks: DejaVu Sans (a free font, embedded in every PDF) by default.
package struct TextStyle: Hashable, Sendable {
    package var family = "DejaVu Sans"
    package var size: Double
    package var bold = false
    /// 0 is black.
    package var gray = 0.0

    package init(size: Double, bold: Bool = false, gray: Double = 0) {
        self.size = size
        self.bold = bold
        self.gray = gray
    }
}

package enum TextAlignment: Sendable {
    case left, right, center
}

/// A PNG file loaded by cairo: the only owner of its image surface.
package final class PNGImage {
    let surface: OpaquePointer
    package let width: Int
    package let height: Int

    package init(path: String) throws {
        surface = cairo_image_surface_create_from_png(path)
        let status = cairo_surface_status(surface)
        width = Int(cairo_image_surface_get_width(surface))
        height = Int(cairo_image_surface_get_height(surface))
        // On failure the (error) surface is freed by deinit, which runs once every property is set.
        guard status == CAIRO_STATUS_SUCCESS, width > 0, height > 0 else {
            throw FacturationError(
                .output, "the logo \(path) cannot be read as PNG: \(String(cString: cairo_status_to_string(status)))")
        }
    }

    deinit { cairo_surface_destroy(surface) }

    /// The size that fits in `maxWidth` × `maxHeight` points, proportions kept.
    package func fitting(maxWidth: Double, maxHeight: Double) -> (width: Double, height: Double) {
        let scale = min(maxWidth / Double(width), maxHeight / Double(height))
        return (Double(width) * scale, Double(height) * scale)
    }
}
