namespace ProcessGrid;

/// <summary>How a remote procedure call failed (the reasons of Erlang's <c>erpc</c> errors and <c>{badrpc, Reason}</c>).</summary>
public enum RpcFailure
{
    /// <summary><c>undef</c>: no function of that name is registered on the node.</summary>
    Undef,

    /// <summary><c>badarg</c>: the arguments do not fit the function (their number or their types).</summary>
    Badarg,

    /// <summary>The function threw; <see cref="RpcException.ExceptionType"/> and the message say what.</summary>
    Exception,

    /// <summary><c>{nodedown, Node}</c>: the node is down, cannot be reached, or went down during the call.</summary>
    NodeDown,

    /// <summary><c>timeout</c>: no answer in time; the function may still be running there.</summary>
    Timeout,
}
