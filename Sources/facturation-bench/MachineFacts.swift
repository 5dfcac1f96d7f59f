import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// What the numbers depend on, printed with the table.
struct MachineFacts {
    let processors: Int
    let cpuModel: String
    let memoryTotal: String
    let kernel: String
    let buildMode: String
    /// The 1-minute load average when the benchmark started (other work skews the numbers).
    let loadAverage: String

    static func collect() -> MachineFacts {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let meminfo = (try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8)) ?? ""
        let loadavg = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? ""
        var name = utsname()
        uname(&name)
        let release = withUnsafeBytes(of: &name.release) {
            String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        #if DEBUG
        let mode = "debug"
        #else
        let mode = "release"
        #endif
        return MachineFacts(
            processors: Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))),
            cpuModel: value(of: "model name", in: cpuinfo) ?? "unknown CPU",
            memoryTotal: value(of: "MemTotal", in: meminfo)
                .flatMap { Double($0.filter(\.isNumber)) }.map { Report.fixed($0 * 1024 / 1e9, 1) + " GB" }
                ?? "unknown",
            kernel: "Linux " + release,
            buildMode: mode,
            loadAverage: loadavg.split(separator: " ").first.map(String.init) ?? "unknown")
    }

    /// The value after `key:` on the first line that starts with `key`.
    private static func value(of key: String, in text: String) -> String? {
        for line in text.split(separator: "\n") where line.hasPrefix(key) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return nil
    }

    var summary: String {
        "\(processors) CPUs (nproc), \(cpuModel), \(memoryTotal) RAM, \(kernel), \(buildMode) build, "
            + "load average \(loadAverage) at start"
    }
}
