using SystemScope.Core.Errors;

namespace SystemScope.Cli;

/// <summary>Exit statuses, so scripts can tell a typo from a missing process from a kernel that refuses.</summary>
internal static class ExitCodes
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int InvalidUsage = 2;
    public const int NotFound = 3;
    public const int Unavailable = 4;

    public static int For(SystemScopeException error) => error switch
    {
        InvalidRequestException => InvalidUsage,
        NotFoundException => NotFound,
        UnavailableException => Unavailable,
        _ => Failure,
    };

    /// <summary>Prints the error (and its diagnostic, such as a verifier log) to stderr and returns its exit status.</summary>
    public static int Report(SystemScopeException error)
    {
        Console.Error.WriteLine($"systemscope: {error.Message}");
        if (error is UnavailableException { Detail: { Length: > 0 } detail })
        {
            Console.Error.WriteLine(detail.TrimEnd());
        }

        return For(error);
    }
}
