namespace ProcessGrid;

/// <summary>
/// A remote procedure call failed (Erlang's <c>erpc</c> errors, <c>{badrpc, Reason}</c> from <c>rpc</c>).
/// <see cref="Failure"/> says how; the message names the function and the node, and says what to do about it.
/// </summary>
public sealed class RpcException : ProcessGridException
{
    /// <summary>Creates the error for a call to <paramref name="function"/> on <paramref name="node"/>.</summary>
    /// <param name="failure">How the call failed.</param>
    /// <param name="node">The node the function was called on.</param>
    /// <param name="function">The function's name.</param>
    /// <param name="detail">What exactly went wrong: the exception's message, what the function expects, ...</param>
    /// <param name="exceptionType">For <see cref="RpcFailure.Exception"/>: the full name of the exception's type.</param>
    /// <param name="remoteStackTrace">For <see cref="RpcFailure.Exception"/> on another node: the stack trace there.</param>
    /// <param name="inner">For <see cref="RpcFailure.Exception"/> on the caller's own node: the exception itself.</param>
    public RpcException(
        RpcFailure failure, NodeName node, string function, string detail, string? exceptionType = null, string? remoteStackTrace = null, Exception? inner = null)
        : base(Describe(failure, node, function, detail, exceptionType), inner)
    {
        Failure = failure;
        Node = node;
        Function = function;
        Detail = detail;
        ExceptionType = exceptionType;
        RemoteStackTrace = remoteStackTrace;
    }

    /// <summary>How the call failed.</summary>
    public RpcFailure Failure { get; }

    /// <summary>The node the function was called on.</summary>
    public NodeName Node { get; }

    /// <summary>The function's name.</summary>
    public string Function { get; }

    /// <summary>What exactly went wrong: the exception's message, what the function expects, how long the caller waited.</summary>
    public string Detail { get; }

    /// <summary>For <see cref="RpcFailure.Exception"/>: the full name of the type of the exception the function threw.</summary>
    public string? ExceptionType { get; }

    /// <summary>For <see cref="RpcFailure.Exception"/> thrown on another node: its stack trace there.</summary>
    public string? RemoteStackTrace { get; }

    private static string Describe(RpcFailure failure, NodeName node, string function, string detail, string? exceptionType) => failure switch
    {
        RpcFailure.Undef => $"rpc {function} on {node} failed: undef (no function '{function}' is registered there). {detail}",
        RpcFailure.Badarg => $"rpc {function} on {node} failed: badarg ({detail}).",
        RpcFailure.Exception => $"rpc {function} on {node} failed: the function threw {exceptionType}: {detail}",
        RpcFailure.NodeDown => $"rpc {function} on {node} failed: the node {node} is down ({detail}).",
        RpcFailure.Timeout => $"rpc {function} on {node} failed: timeout ({detail}; the function may still be running there).",
        _ => $"rpc {function} on {node} failed: {detail}",
    };
}
