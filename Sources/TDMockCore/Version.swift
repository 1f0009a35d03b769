/// tdmock's version: `tdmock --version`, the container image's tag and the file `make dist` writes
/// (the Makefile reads it from this line).
public enum TDMockVersion {
    public static let current = "0.9.0"
}
