/// A configuration value the server refuses to start with.
///
/// The description is the one line printed at start: the variable and what is wrong with it,
/// never the value (which may be a secret).
public struct ConfigurationError: Error, CustomStringConvertible {
    /// The environment variable (or `serve` flag) at fault, such as `PORT`.
    public let variable: String
    /// What is wrong, as a sentence fragment.
    public let problem: String

    /// Creates an error for `variable`.
    public init(variable: String, problem: String) {
        self.variable = variable
        self.problem = problem
    }

    /// `"<VARIABLE>: <problem>"`.
    public var description: String { "\(variable): \(problem)" }
}
