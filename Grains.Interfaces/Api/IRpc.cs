namespace ProcessGrid;

/// <summary>
/// Remote procedure calls (Erlang's <c>rpc</c> and <c>erpc</c>): functions registered by name on each node, called
/// from any node. Code does not travel between nodes, so a function is a handler each node registers under a name
/// (Erlang's <c>Module:Function</c>), and a call names the node, the function and the arguments.
/// </summary>
/// <remarks>
/// <para><b>Functions.</b> Any delegate, synchronous or asynchronous (<see cref="Task"/>, <see cref="Task{TResult}"/>,
/// <see cref="ValueTask"/>, <see cref="ValueTask{TResult}"/>). The arguments of a call are bound to its parameters by
/// position; a parameter of type <see cref="IProcessGrid"/> gets the node it runs on and one of type
/// <see cref="CancellationToken"/> a token that is cancelled when the caller has stopped waiting (its timeout passed)
/// or the node stops; neither takes an argument. An argument binds when it is an instance of the parameter's type,
/// or a number that converts to the parameter's numeric type without loss (an <c>int</c> for a <c>long</c>); null
/// binds to a parameter declared nullable (<c>string?</c>, <c>int?</c>); an optional parameter left out takes its default. Anything else is a
/// <see cref="RpcFailure.Badarg"/> that says what the function expects. Every node serves the functions named in
/// <see cref="GridFunctions"/>.</para>
/// <para><b>Calls.</b> A call runs its function on the thread pool of the node it names, concurrently with other calls
/// (never queued behind one process), and its outcome comes back as the result or as an <see cref="RpcException"/>
/// saying why: <see cref="RpcFailure.Undef"/>, <see cref="RpcFailure.Badarg"/>, <see cref="RpcFailure.Exception"/>
/// (the type and message of what the function threw), <see cref="RpcFailure.NodeDown"/> (as soon as the node is
/// known to be down or cannot be reached, without waiting for the timeout) or <see cref="RpcFailure.Timeout"/>.
/// Arguments and results cross nodes as messages do; on the caller's own node they are passed as they are.</para>
/// </remarks>
public interface IRpc
{
    /// <summary>
    /// Registers <paramref name="handler"/> as the function <paramref name="function"/> on this node only. To give every
    /// node the same functions from the start, register them in the node's options (<c>ProcessGridOptions.Rpc</c>).
    /// </summary>
    /// <param name="function">The function's name, such as <c>math.add</c>; names starting with <c>grid.</c> are the node's own.</param>
    /// <param name="handler">The function: any delegate, such as <c>(int a, int b) =&gt; a + b</c>.</param>
    /// <exception cref="ArgumentException">The name is taken or reserved, or the delegate cannot be called remotely (a <c>ref</c> or <c>out</c> parameter); the message says which.</exception>
    void Register(string function, Delegate handler);

    /// <summary>Removes a function registered on this node; false when there was none by that name.</summary>
    /// <exception cref="ArgumentException">The function is one the node serves itself (<see cref="GridFunctions"/>).</exception>
    bool Unregister(string function);

    /// <summary>The functions this node serves, by name.</summary>
    IReadOnlyList<string> Functions { get; }

    /// <summary>
    /// Calls <paramref name="function"/> on <paramref name="node"/> and waits for its result (Erlang's
    /// <c>erpc:call(Node, M, F, A, Timeout)</c>). The default timeout is the node's call timeout (5 s unless configured).
    /// </summary>
    /// <exception cref="RpcException">The call failed; <see cref="RpcException.Failure"/> says how.</exception>
    /// <exception cref="InvalidCastException">The result was not a <typeparamref name="TResult"/> (nor a number that converts to it without loss).</exception>
    /// <exception cref="MessageSerializationException">An argument cannot cross nodes (a delegate, say); nothing was sent.</exception>
    ValueTask<TResult> Call<TResult>(NodeName node, string function, object?[] args, TimeSpan? timeout = null);

    /// <summary>Calls <paramref name="function"/> on <paramref name="node"/> and waits until it has run, ignoring its result.</summary>
    /// <exception cref="RpcException">The call failed; <see cref="RpcException.Failure"/> says how.</exception>
    ValueTask Call(NodeName node, string function, object?[] args, TimeSpan? timeout = null);

    /// <summary>
    /// Runs <paramref name="function"/> on <paramref name="node"/> without waiting for it (Erlang's <c>rpc:cast</c>). Its
    /// failures stay on that node, where they are logged (an unknown function or bad arguments as dead letters); a
    /// cast to a node that cannot be reached is a dead letter here.
    /// </summary>
    void Cast(NodeName node, string function, params object?[] args);

    /// <summary>
    /// Calls <paramref name="function"/> on each of <paramref name="nodes"/> at once and waits for all of them (Erlang's
    /// <c>rpc:multicall(Nodes, M, F, A, Timeout)</c>): the results of the nodes that answered, and for each of the
    /// others why not. The timeout bounds the whole multicall. Never throws for the failure of a node.
    /// </summary>
    /// <exception cref="InvalidCastException">A node's result was not a <typeparamref name="TResult"/>: the caller asked for the wrong type.</exception>
    /// <exception cref="MessageSerializationException">An argument cannot cross nodes; nothing was sent.</exception>
    Task<MulticallResult<TResult>> Multicall<TResult>(IEnumerable<NodeName> nodes, string function, object?[] args, TimeSpan? timeout = null);

    /// <summary>Calls <paramref name="function"/> on this node and on every node it is connected to (Erlang's <c>rpc:multicall(M, F, A)</c>).</summary>
    Task<MulticallResult<TResult>> Multicall<TResult>(string function, object?[] args, TimeSpan? timeout = null);

    /// <summary>
    /// Sends a call to <paramref name="function"/> on <paramref name="node"/> and returns at once (Erlang's
    /// <c>erpc:send_request</c>); the response is received later with <see cref="RpcRequest{TResult}.ReceiveResponse"/>
    /// or by awaiting the request. Requests to several nodes run side by side.
    /// </summary>
    RpcRequest<TResult> SendRequest<TResult>(NodeName node, string function, params object?[] args);

    /// <summary>
    /// Casts <paramref name="function"/> to this node and every node it is connected to (Erlang's
    /// <c>rpc:eval_everywhere(M, F, A)</c>).
    /// </summary>
    void EvalEverywhere(string function, params object?[] args);

    /// <summary>
    /// Sends <paramref name="message"/> to the process registered as <paramref name="name"/> on this node and on every
    /// node it is connected to (Erlang's <c>rpc:abcast(Name, Msg)</c>). A node where nobody holds the name records a
    /// dead letter.
    /// </summary>
    void Abcast(string name, object message);
}
