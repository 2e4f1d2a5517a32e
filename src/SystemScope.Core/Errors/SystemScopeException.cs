namespace SystemScope.Core.Errors;

/// <summary>
/// An error a user can act on. <see cref="Code"/> is stable (it becomes the problem-details type and
/// the CLI exit status family); the message says what was wrong and what to do.
/// </summary>
public abstract class SystemScopeException(string code, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public string Code { get; } = code;
}

/// <summary>The request itself is wrong (bad value, unknown name): HTTP 400, CLI exit 2.</summary>
public sealed class InvalidRequestException(string message) : SystemScopeException("invalid-request", message);

/// <summary>Something the request names does not exist: HTTP 404, CLI exit 3.</summary>
public sealed class NotFoundException(string code, string message) : SystemScopeException(code, message);

/// <summary>The request is valid but cannot be done in the current state: HTTP 409.</summary>
public sealed class ConflictException(string message) : SystemScopeException("conflict", message);

/// <summary>This machine cannot do it (missing kernel feature, failed BPF load): HTTP 503, CLI exit 4.</summary>
public sealed class UnavailableException(string code, string message, string? detail = null, Exception? inner = null)
    : SystemScopeException(code, message, inner)
{
    /// <summary>Longer diagnostic text, such as a BPF verifier log.</summary>
    public string? Detail { get; } = detail;
}
