import Foundation

/// The parser this process fuzzes, from `SIGNAL_FUZZ_TARGET` (read once, at the first input).
private let selectedTarget: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["SIGNAL_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: " ")
        fatalError("SIGNAL_FUZZ_TARGET must be one of: \(names)")
    }
    return target
}()

/// libFuzzer's entry point: runs the selected parser on one input. In a fuzzer build
/// (`--sanitize=fuzzer`, see `scripts/fuzz`) libFuzzer's own `main` calls it.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    selectedTarget.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
