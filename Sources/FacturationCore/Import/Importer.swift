/// Runs the converter that matches a detected format.
package enum Importer {
    /// Converts the file of `context` into normalized rows; throws a ``Rejection`` when the file
    /// cannot be imported, a ``StorageError`` when the disk fails, or ``ConversionStopped`` when
    /// the file turned out to be imported already (``ConversionContext/alreadyImported``).
    package static func convert(_ context: ConversionContext) throws -> ConversionReport {
        switch context.detection.format {
        case .clockifyDetailedCSV: try ClockifyCSVConverter(context: context).convert()
        case .clockifyReportJSON, .clockifyTimeEntriesJSON: try ClockifyJSONConverter(context: context).convert()
        case .qontoCSVFrench, .qontoCSVEnglish: try QontoCSVConverter(context: context).convert()
        case .qontoAPIJSON: try QontoJSONConverter(context: context).convert()
        case .camt053: try CamtConverter(context: context).convert()
        case .ofx: try OfxConverter(context: context).convert()
        case .cfonb120: try CfonbConverter(context: context).convert()
        case .mt940: try Mt940Converter(context: context).convert()
        }
    }
}
