using System.Collections.Concurrent;
using System.Diagnostics;
using ProcessGrid.Runtime.Distribution;
using ProcessGrid.Runtime.Messaging;
using ProcessGrid.Runtime.Transport;

namespace ProcessGrid.Runtime.Rpc;

/// <summary>
/// The node's rpc server and client (Erlang's <c>rpc</c> and <c>erpc</c>): it serves the functions registered on this
/// node to every node, and calls functions on other nodes for code on this one.
/// </summary>
/// <remarks>
/// <para><b>Functions, not closures.</b> Code does not travel between nodes, so a function is a delegate each node
/// registers under a name, at start through its options (every node of a cluster started alike serves the same
/// functions from the start) or later through <see cref="IRpc.Register"/> (that node only). A call names the node,
/// the function and the arguments.</para>
/// <para><b>Protocol.</b> Unlike Erlang's <c>rex</c>, there is no server process: a call is a frame of its own
/// (<see cref="RpcFrames"/>) handled by the distribution layer, so that calls are not queued behind one mailbox.
/// <list type="bullet">
/// <item>The caller registers the call in the callee node's table of pending calls and sends
/// <see cref="FrameKind.RpcCall"/> with a correlation id and its timeout.</item>
/// <item>The callee's reader looks the function up (an unknown one is answered at once with <c>undef</c>) and queues
/// one <see cref="RpcInvocation"/> to the thread pool, which binds the arguments (<c>badarg</c> if they do not fit),
/// runs the function and answers with a <see cref="FrameKind.Reply"/>: the result, or an <see cref="RpcFault"/>.</item>
/// <item>A cast (<see cref="FrameKind.RpcCast"/>) runs the same way and is answered by no one.</item>
/// <item>A call to this node skips the frames: the invocation answers the caller's slot directly, and arguments and
/// results are passed as they are, as messages between processes of one node are.</item>
/// </list></para>
/// <para><b>Invariants.</b> Every call ends exactly once, with the result or an <see cref="RpcException"/>: the answer,
/// the caller's timeout, or the end of the connection to the callee's node (<c>nodedown</c> at once, never a
/// timeout, for a node that is down, unreachable, or goes down during the call). A function never runs on a
/// connection's reader. A call that cannot be answered (the node is stopping) is failed with <c>nodedown</c>, never
/// left to time out. What a cast gets wrong is recorded on the node that ran it (dead letters, the log).</para>
/// <para><b>Trust.</b> As in Erlang, any member of the cluster (a peer that proved the cookie) may call any function a
/// node serves: register only what the cluster may run.</para>
/// </remarks>
internal sealed partial class RpcService : IRpc, IAsyncDisposable
{
    /// <summary>How many of a node's functions an <c>undef</c> error lists, to help find a misspelt name.</summary>
    private const int FunctionsListedInUndef = 12;

    /// <summary>The node this service belongs to.</summary>
    private readonly ProcessNode _node;

    /// <summary>The functions this node serves, by name: the node's own, then the options', then those registered since.</summary>
    private readonly ConcurrentDictionary<string, RpcFunction> _functions = new(StringComparer.Ordinal);

    /// <summary>Cancelled when the node stops: functions that take a token see it, and new calls are refused.</summary>
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>When the service started, on the monotonic clock (for the node's uptime).</summary>
    private readonly long _started = Stopwatch.GetTimestamp();

    private readonly ILogger _logger;

    public RpcService(ProcessNode node, RpcOptions options)
    {
        _node = node;
        _logger = node.LoggerFactory.CreateLogger("ProcessGrid.Rpc");
        foreach (var function in NodeFunctions.All)
        {
            _functions[function.Name] = function;
        }
        foreach (var function in options.All)
        {
            _functions[function.Name] = function;
        }
    }

    /// <summary>When the node started serving (its start, for <see cref="NodeInfo.StartedAt"/>).</summary>
    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;

    /// <summary>How long the node has been serving (its uptime), on the monotonic clock.</summary>
    public TimeSpan Uptime => Stopwatch.GetElapsedTime(_started);

    /// <summary>The node the functions run on.</summary>
    public ProcessNode Node => _node;

    /// <summary>Cancelled when the node stops.</summary>
    public CancellationToken Stopping => _stopping.Token;

    // ----------------------------------------------------------------------------------------------------------------
    // Functions
    // ----------------------------------------------------------------------------------------------------------------

    /// <inheritdoc />
    public void Register(string function, Delegate handler)
    {
        var created = RpcFunction.Create(function, handler);
        if (!_functions.TryAdd(function, created))
        {
            throw new ArgumentException(
                $"Cannot register the rpc function '{function}' on {_node.Node}: a function of that name is registered there already. Unregister it first to replace it.",
                nameof(function));
        }
    }

    /// <inheritdoc />
    public bool Unregister(string function)
    {
        ArgumentNullException.ThrowIfNull(function);
        if (function.StartsWith(GridFunctions.ReservedPrefix, StringComparison.Ordinal) && _functions.ContainsKey(function))
        {
            throw new ArgumentException($"Cannot unregister '{function}': the node serves it itself, for tools such as the CLI and the dashboard.", nameof(function));
        }
        return _functions.TryRemove(function, out _);
    }

    /// <inheritdoc />
    public IReadOnlyList<string> Functions => [.. _functions.Keys.Order(StringComparer.Ordinal)];

    // ----------------------------------------------------------------------------------------------------------------
    // Calling
    // ----------------------------------------------------------------------------------------------------------------

    /// <inheritdoc />
    public ValueTask<TResult> Call<TResult>(NodeName node, string function, object?[] args, TimeSpan? timeout = null)
    {
        var wait = _node.CallTimeout(timeout);
        var slot = Start<TResult>(node, function, args, wait);
        slot.StartTimeout(wait);
        return slot.Task;
    }

    /// <inheritdoc />
    public async ValueTask Call(NodeName node, string function, object?[] args, TimeSpan? timeout = null) =>
        await Call<object?>(node, function, args, timeout).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<MulticallResult<TResult>> Multicall<TResult>(IEnumerable<NodeName> nodes, string function, object?[] args, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        var wait = _node.CallTimeout(timeout);
        var targets = nodes.Distinct().ToList();
        // All calls are on their way before any is awaited: the multicall takes as long as its slowest node, at most the timeout.
        var slots = new RpcCallSlot<TResult>[targets.Count];
        for (var i = 0; i < targets.Count; i++)
        {
            slots[i] = Start<TResult>(targets[i], function, args, wait);
            slots[i].StartTimeout(wait);
        }
        var results = new Dictionary<NodeName, TResult>(targets.Count);
        var failed = new Dictionary<NodeName, RpcException>();
        for (var i = 0; i < targets.Count; i++)
        {
            try
            {
                results[targets[i]] = await slots[i].Task.ConfigureAwait(false);
            }
            catch (RpcException e)
            {
                failed[targets[i]] = e;
            }
        }
        return new MulticallResult<TResult>(results, failed);
    }

    /// <inheritdoc />
    public Task<MulticallResult<TResult>> Multicall<TResult>(string function, object?[] args, TimeSpan? timeout = null) =>
        Multicall<TResult>([_node.Node, .. _node.Nodes], function, args, timeout);

    /// <inheritdoc />
    public RpcRequest<TResult> SendRequest<TResult>(NodeName node, string function, params object?[] args) =>
        new(node, function, Start<TResult>(node, function, args, Timeout.InfiniteTimeSpan));

    /// <summary>
    /// Starts a call: to a function of this node on the thread pool, to another node as a frame. Its timeout is not
    /// started (the caller does that), but is sent along so the function's token is cancelled when the caller gives up.
    /// </summary>
    private RpcCallSlot<TResult> Start<TResult>(NodeName node, string function, object?[] args, TimeSpan timeout)
    {
        Validate(function, args);
        var slot = new RpcCallSlot<TResult>(_node, node, function);
        if (_stopping.IsCancellationRequested)
        {
            slot.Fail(new RpcException(RpcFailure.NodeDown, node, function, $"nodedown: the calling node {_node.Node} is stopping"));
        }
        else if (node == _node.Node)
        {
            Dispatch(function, args, slot, 0, timeout);
        }
        else if (_node.Distribution is { } distribution)
        {
            RequireCrossable(args);
            RpcFrames.SendCall(distribution, node, function, args, timeout, slot);
        }
        else
        {
            slot.Fail(new RpcException(RpcFailure.NodeDown, node, function, $"nodedown: {_node.Node} is not distributed, so it cannot reach other nodes"));
        }
        return slot;
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Casting
    // ----------------------------------------------------------------------------------------------------------------

    /// <inheritdoc />
    public void Cast(NodeName node, string function, params object?[] args)
    {
        Validate(function, args);
        if (node == _node.Node)
        {
            Dispatch(function, args, null, 0, Timeout.InfiniteTimeSpan);
        }
        else if (_node.Distribution is { } distribution)
        {
            RequireCrossable(args);
            RpcFrames.SendCast(distribution, node, function, args);
        }
        else
        {
            _node.DeadLetterOffice.Report(
                $"rpc {function} on {node}", args, $"noconnection: {_node.Node} is not distributed, so it cannot reach {node}");
        }
    }

    /// <inheritdoc />
    public void EvalEverywhere(string function, params object?[] args)
    {
        foreach (var node in (IEnumerable<NodeName>)[_node.Node, .. _node.Nodes])
        {
            Cast(node, function, args);
        }
    }

    /// <inheritdoc />
    public void Abcast(string name, object message)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(message);
        foreach (var node in (IEnumerable<NodeName>)[_node.Node, .. _node.Nodes])
        {
            _node.Send(name, node, message);
        }
    }

    private static void Validate(string function, object?[] args)
    {
        ArgumentException.ThrowIfNullOrEmpty(function);
        ArgumentNullException.ThrowIfNull(args);
    }

    /// <summary>Refuses, before anything is sent, an argument that cannot cross nodes however it is written.</summary>
    private static void RequireCrossable(object?[] args)
    {
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] is Delegate code)
            {
                throw new MessageSerializationException(code.GetType(),
                    $"argument {i + 1} is a delegate (a closure or function), and code cannot cross nodes: register the function on that node and pass its name.");
            }
        }
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Serving
    // ----------------------------------------------------------------------------------------------------------------

    /// <summary>Handles a call or cast from another node (on the connection's reader: only the lookup happens here).</summary>
    public void OnFrame(FrameKind kind, ref FrameReader reader, NodeDistribution distribution, RemoteNode from)
    {
        var incoming = RpcFrames.Read(kind, ref reader, distribution, _node.Node);
        IReplyTarget? replyTo = kind == FrameKind.RpcCall ? new RemoteReplyTarget(distribution, from, incoming.Correlation) : null;
        if (incoming.Args is not { } args)
        {
            if (replyTo is null)
            {
                _node.DeadLetterOffice.Report($"rpc {incoming.Function} on {_node.Node}", "(unreadable arguments)", $"badarg: {incoming.Unreadable}");
            }
            else
            {
                replyTo.Reply(incoming.Correlation, new RpcFault(RpcFailure.Badarg, incoming.Unreadable!));
            }
            return;
        }
        Dispatch(incoming.Function, args, replyTo, incoming.Correlation, incoming.Timeout);
    }

    /// <summary>Runs <paramref name="function"/> for a call (answered through <paramref name="replyTo"/>) or a cast (null).</summary>
    private void Dispatch(string function, object?[] args, IReplyTarget? replyTo, long token, TimeSpan timeout)
    {
        if (_stopping.IsCancellationRequested)
        {
            AnswerStopping(replyTo, token, function, args);
        }
        else if (!_functions.TryGetValue(function, out var found))
        {
            Answer(replyTo, token, function, args, new RpcFault(RpcFailure.Undef, UndefDetail()));
        }
        else
        {
            ThreadPool.UnsafeQueueUserWorkItem(new RpcInvocation(this, found, args, replyTo, token, timeout), preferLocal: false);
        }
    }

    /// <summary>Answers a call with <paramref name="fault"/>; for a cast, records it here, where it happened.</summary>
    public void Answer(IReplyTarget? replyTo, long token, string function, object?[] args, RpcFault fault)
    {
        if (replyTo is not null)
        {
            replyTo.Reply(token, fault);
            return;
        }
        var target = $"rpc {function} on {_node.Node}";
        if (fault.Failure == RpcFailure.Exception)
        {
            LogCastThrew(_logger, function, fault.ExceptionType, fault.Detail, fault.Exception);
        }
        else
        {
            _node.DeadLetterOffice.Report(target, args, $"{(fault.Failure == RpcFailure.Undef ? "undef" : "badarg")}: {fault.Detail}");
        }
    }

    /// <summary>Fails a call this node can no longer answer because it is stopping; a cast becomes a dead letter.</summary>
    public void AnswerStopping(IReplyTarget? replyTo, long token, string function, object?[] args)
    {
        if (replyTo is not null)
        {
            replyTo.Fail(token, ExitReason.NodeDown(_node.Node));
            return;
        }
        _node.DeadLetterOffice.Report($"rpc {function} on {_node.Node}", args, $"nodedown: {_node.Node} is stopping");
    }

    private string UndefDetail()
    {
        var names = Functions.Where(n => !n.StartsWith(GridFunctions.ReservedPrefix, StringComparison.Ordinal)).ToList();
        var listed = string.Join(", ", names.Take(FunctionsListedInUndef));
        return (names.Count == 0 ? "It serves no application functions. " : $"It serves: {listed}{(names.Count > FunctionsListedInUndef ? ", ..." : "")}. ") +
               "Register the function on every node at start (ProcessGridOptions.Rpc), or on that node with grid.Rpc.Register; " +
               $"'{GridFunctions.Functions}' lists what a node serves.";
    }

    /// <summary>Stops serving: functions that take a token see it cancelled, and calls from now on fail with <c>nodedown</c>.</summary>
    public ValueTask DisposeAsync()
    {
        _stopping.Cancel();
        return ValueTask.CompletedTask;
    }

    [LoggerMessage(EventId = 750, Level = LogLevel.Warning, Message = "rpc cast {Function} threw {ExceptionType}: {Detail}")]
    private static partial void LogCastThrew(ILogger logger, string function, string? exceptionType, string detail, Exception? exception);
}
