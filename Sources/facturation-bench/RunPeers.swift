import FacturationCore

#if canImport(Glibc)
import Glibc
#endif

/// What the `run` scenario is compared with, measured in the same benchmark run: the same
/// conversion written in Python with only its standard library, and the machine's own fsynced
/// write speed (which bounds any design: the run writes the ledger and its outbox copy, about
/// 3.3 times the input, all fsynced).
enum RunPeers {
    /// The Python peer: reads the Clockify CSV with the csv module and writes the normalized
    /// time-entries CSV (same columns, fingerprint keys, local and UTC times, minor units).
    static let pythonScript = #"""
        import csv, hashlib, sys
        from datetime import datetime, timezone
        from zoneinfo import ZoneInfo

        COLUMNS = ["record_key", "source_format", "source_file", "source_row", "source_entry_id", "user_name",
                   "user_email", "client_name", "client_code", "project_name", "task_name", "description", "tags",
                   "billable", "entry_type", "start_local", "end_local", "start_utc", "end_utc", "duration_seconds",
                   "time_precision", "hourly_rate_minor", "hourly_rate", "billable_amount_minor", "billable_amount",
                   "currency", "category", "invoiced", "invoice_ref"]

        def minor(text):
            text = text.strip().replace(",", ".")
            if not text:
                return None
            units, _, cents = text.partition(".")
            return int(units) * 100 + int((cents + "00")[:2]) * (-1 if units.startswith("-") else 1)

        def instant(date, time, zone):
            day, month, year = date.split("/")
            hour, minute, second = (time.split(":") + ["0"])[:3]
            local = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second))
            aware = local.replace(tzinfo=zone)
            return local, int(aware.timestamp()), aware.strftime("%z")

        def main(source, target, zone_name):
            zone = ZoneInfo(zone_name)
            name = source.rsplit("/", 1)[-1]
            with open(source, newline="", encoding="utf-8-sig") as inp, \
                 open(target, "w", newline="", encoding="utf-8") as out:
                reader = csv.reader(inp)
                writer = csv.writer(out, lineterminator="\r\n")
                writer.writerow(COLUMNS)
                header = next(reader)
                at = {column: index for index, column in enumerate(header)}
                for number, row in enumerate(reader, start=2):
                    if len(row) != len(header):
                        continue
                    start_local, start_utc, start_offset = instant(row[at["Start Date"]], row[at["Start Time"]], zone)
                    end_local, end_utc, end_offset = instant(row[at["End Date"]], row[at["End Time"]], zone)
                    h, m, s = row[at["Duration (h)"]].split(":")
                    duration = int(h) * 3600 + int(m) * 60 + int(s)
                    user = row[at["Email"]] or row[at["User"]]
                    fingerprint = "\x1f".join([user.strip().lower(), str(start_utc // 60), str(end_utc // 60),
                                               " ".join(row[at["Project"]].split()), " ".join(row[at["Task"]].split()),
                                               " ".join(row[at["Description"]].split())])
                    key = "te:" + hashlib.sha256(fingerprint.encode()).hexdigest()[:32]
                    rate, amount = minor(row[at["Billable Rate (EUR)"]]), minor(row[at["Billable Amount (EUR)"]])
                    billable = row[at["Billable"]].strip().lower() in ("yes", "oui", "ja", "true", "1")
                    writer.writerow([
                        key, "clockify_detailed_csv", name, number, "", row[at["User"]], row[at["Email"]],
                        row[at["Client"]], "", row[at["Project"]], row[at["Task"]], row[at["Description"]],
                        row[at["Tags"]].strip(), "true" if billable else "false", "regular",
                        start_local.isoformat() + start_offset[:3] + ":" + start_offset[3:],
                        end_local.isoformat() + end_offset[:3] + ":" + end_offset[3:],
                        datetime.fromtimestamp(start_utc, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                        datetime.fromtimestamp(end_utc, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                        duration, "second", "" if rate is None else rate, "" if rate is None else f"{rate / 100:.2f}",
                        "" if amount is None else amount, "" if amount is None else f"{amount / 100:.2f}", "EUR",
                        "billable" if billable else "internal", "", ""])

        main(*sys.argv[1:4])
        """#

    /// Seconds the Python peer takes on `input` (its output goes to `folder`), or nil when no
    /// `python3` is on the PATH.
    static func measurePython(input: String, zone: String, folder: String) throws -> Double? {
        guard let python = executable(named: "python3") else { return nil }
        let script = Path.join(folder, "clockify_peer.py")
        try Storage.write(pythonScript, to: script, temporaryDirectory: folder)
        let output = Path.join(folder, "peer-output.csv")
        defer { try? Storage.removeFile(output) }
        let outcome = try ChildProcess(
            executable: python, arguments: [script, input, output, zone],
            standardOutput: Path.join(folder, "peer.txt")
        ).run()
        guard outcome.exitStatus == 0 else {
            throw BenchError("the Python peer exited with status \(outcome.exitStatus ?? -1) (its message is above)")
        }
        return outcome.seconds
    }

    /// The machine's fsynced write speed in MB/s in `folder`:
    /// `dd if=/dev/zero of=<folder>/dd.bin bs=8M count=128 conv=fsync` (1 GiB), timed.
    static func measureFsyncedWrite(folder: String) throws -> Double? {
        guard let dd = executable(named: "dd") else { return nil }
        let file = Path.join(folder, "dd.bin")
        defer { try? Storage.removeFile(file) }
        let outcome = try ChildProcess(
            executable: dd,
            arguments: ["if=/dev/zero", "of=" + file, "bs=8M", "count=128", "conv=fsync", "status=none"],
            standardOutput: Path.join(folder, "dd.txt")
        ).run()
        guard outcome.exitStatus == 0 else { throw BenchError("dd exited with status \(outcome.exitStatus ?? -1)") }
        return Double(128 << 23) / 1e6 / outcome.seconds
    }

    /// The first executable file called `name` in a folder of `PATH`.
    static func executable(named name: String) -> String? {
        let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/bin:/bin"
        for folder in path.split(separator: ":") {
            let candidate = Path.join(String(folder), name)
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }
}
