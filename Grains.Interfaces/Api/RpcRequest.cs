using System.Runtime.CompilerServices;

namespace ProcessGrid;

/// <summary>The runtime's side of a request sent with <see cref="IRpc.SendRequest{TResult}"/>.</summary>
internal interface IRpcResponse<TResult>
{
    /// <summary>True once the outcome is known.</summary>
    bool HasArrived { get; }

    /// <summary>Waits for the outcome, at most <paramref name="timeout"/> (the node's call timeout when null); once only.</summary>
    ValueTask<TResult> Receive(TimeSpan? timeout);
}

/// <summary>
/// A call sent with <see cref="IRpc.SendRequest{TResult}"/> whose response has not been received yet (Erlang's
/// request id from <c>erpc:send_request</c>). Receive it with <see cref="ReceiveResponse"/>, or await the request.
/// </summary>
/// <remarks>
/// A response is received once. If it does not come in time, the request is abandoned (a late response is dropped), as
/// with <c>erpc:receive_response/2</c>. If the node goes down first, receiving fails at once with
/// <see cref="RpcFailure.NodeDown"/>.
/// </remarks>
/// <typeparam name="TResult">The function's result type.</typeparam>
public sealed class RpcRequest<TResult>
{
    private readonly IRpcResponse<TResult> _response;

    internal RpcRequest(NodeName node, string function, IRpcResponse<TResult> response)
    {
        Node = node;
        Function = function;
        _response = response;
    }

    /// <summary>The node the function runs on.</summary>
    public NodeName Node { get; }

    /// <summary>The function called.</summary>
    public string Function { get; }

    /// <summary>True once the outcome (the result or the failure) has arrived (Erlang's <c>erpc:check_response</c> finding it).</summary>
    public bool HasArrived => _response.HasArrived;

    /// <summary>
    /// Waits for the response (Erlang's <c>erpc:receive_response(RequestId, Timeout)</c>) at most
    /// <paramref name="timeout"/>, the node's call timeout when null (5 s unless configured).
    /// </summary>
    /// <exception cref="RpcException">The call failed, or no response came in time (<see cref="RpcFailure.Timeout"/>; the request is then abandoned).</exception>
    /// <exception cref="InvalidOperationException">The response was already received.</exception>
    /// <exception cref="InvalidCastException">The result was not a <typeparamref name="TResult"/>.</exception>
    public ValueTask<TResult> ReceiveResponse(TimeSpan? timeout = null) => _response.Receive(timeout);

    /// <summary>Awaits the response with the node's call timeout: <c>await request</c> is <c>await request.ReceiveResponse()</c>.</summary>
    public ValueTaskAwaiter<TResult> GetAwaiter() => ReceiveResponse().GetAwaiter();

    /// <inheritdoc />
    public override string ToString() => $"rpc request {Function} on {Node}";
}
