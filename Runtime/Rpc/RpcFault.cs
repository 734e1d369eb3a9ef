using System.Text.Json.Serialization;

namespace ProcessGrid.Runtime.Rpc;

/// <summary>
/// Why a function did not give a result, as the node that ran it answers a call: it travels back in place of the
/// result, and the caller's side turns it into an <see cref="RpcException"/>. Internal, so no function can return one.
/// </summary>
/// <param name="Failure">How the call failed.</param>
/// <param name="Detail">What exactly: what the function expects, the exception's message, what the node serves.</param>
/// <param name="ExceptionType">For <see cref="RpcFailure.Exception"/>: the full name of the exception's type.</param>
/// <param name="StackTrace">For <see cref="RpcFailure.Exception"/>: where it was thrown.</param>
internal sealed record RpcFault(RpcFailure Failure, string Detail, string? ExceptionType = null, string? StackTrace = null)
{
    /// <summary>The most of a stack trace that travels (the top of it says where; the rest is the thread pool).</summary>
    private const int MaxStackTraceLength = 4000;

    /// <summary>On the node where it was thrown: the exception itself (it does not travel).</summary>
    [JsonIgnore]
    public Exception? Exception { get; init; }

    /// <summary>The fault for a function that threw <paramref name="exception"/>.</summary>
    public static RpcFault Threw(Exception exception) => new(
        RpcFailure.Exception,
        exception.Message,
        exception.GetType().FullName,
        exception.StackTrace is { Length: > MaxStackTraceLength } trace ? trace[..MaxStackTraceLength] : exception.StackTrace)
    {
        Exception = exception,
    };

    /// <summary>The error the caller of <paramref name="function"/> on <paramref name="node"/> gets.</summary>
    public RpcException ToException(NodeName node, string function) =>
        new(Failure, node, function, Detail, ExceptionType, Exception is null ? StackTrace : null, Exception);
}
