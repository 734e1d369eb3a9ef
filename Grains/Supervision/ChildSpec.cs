namespace ProcessGrid;

/// <summary>
/// What a supervisor needs to know about one child (Erlang's child specification): its id, how to start it, when to
/// restart it, how to shut it down, and whether it is a worker or a supervisor.
/// </summary>
/// <remarks>
/// Build one with a factory, then adjust it with <c>with</c>:
/// <code>
/// ChildSpec.Worker&lt;Cache&gt;("cache", size) with { Restart = RestartType.Transient, Shutdown = ChildShutdown.After(TimeSpan.FromSeconds(1)) }
/// </code>
/// For a <see cref="RestartStrategy.SimpleOneForOne"/> supervisor the spec is the template of every dynamic child; the
/// arguments given to <c>StartChildAsync</c> are appended to the factory's arguments.
/// </remarks>
public sealed record ChildSpec
{
    private readonly string _id;
    private readonly ChildStart _start;
    private readonly ChildShutdown? _shutdown;

    /// <summary>Creates a spec that starts its child with <paramref name="start"/> (a permanent worker unless changed).</summary>
    /// <param name="id">The child's id, unique within its supervisor.</param>
    /// <param name="start">Starts the child, linked to the supervisor, and returns its pid.</param>
    /// <exception cref="ArgumentException">The id is null or empty, or <paramref name="start"/> is null.</exception>
    public ChildSpec(string id, ChildStart start)
    {
        _id = CheckId(id);
        _start = start ?? throw new ArgumentNullException(nameof(start));
    }

    /// <summary>The child's id, unique within its supervisor (Erlang's <c>id</c>). Supervisor operations name children by it.</summary>
    public string Id
    {
        get => _id;
        init => _id = CheckId(value);
    }

    /// <summary>Starts the child, linked to the supervisor (Erlang's <c>start</c>).</summary>
    public ChildStart Start
    {
        get => _start;
        init => _start = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>When the child is restarted after it exits; <see cref="RestartType.Permanent"/> by default.</summary>
    public RestartType Restart { get; init; } = RestartType.Permanent;

    /// <summary>Whether the child is a worker or a supervisor; <see cref="ChildType.Worker"/> by default.</summary>
    public ChildType Type { get; init; } = ChildType.Worker;

    /// <summary>
    /// How the child is shut down. Unless set: <see cref="ChildShutdown.WorkerDefault"/> (5 s) for a worker,
    /// <see cref="ChildShutdown.Infinity"/> for a supervisor, as in Erlang.
    /// </summary>
    public ChildShutdown Shutdown
    {
        get => _shutdown ?? (Type == ChildType.Supervisor ? ChildShutdown.Infinity : ChildShutdown.WorkerDefault);
        init => _shutdown = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>
    /// A worker that runs the process class <typeparamref name="TProcess"/>, started with
    /// <c>StartLinkAsync&lt;TProcess&gt;(args)</c>: a <see cref="GenServer"/> counts as started when its
    /// <see cref="GenServer.InitAsync"/> has finished, and a failing <see cref="GenServer.InitAsync"/> fails the start.
    /// </summary>
    /// <param name="id">The child's id.</param>
    /// <param name="args">Constructor arguments (with the node's services, by constructor injection).</param>
    public static ChildSpec Worker<TProcess>(string id, params object[] args) where TProcess : ProcessBehavior
    {
        ArgumentNullException.ThrowIfNull(args);
        return new ChildSpec(id, (supervisor, extra) => supervisor.StartLinkAsync<TProcess>(Concat(args, extra)));
    }

    /// <summary>Like <see cref="Worker{TProcess}(string, object[])"/>, with spawn options (a name to register the child under).</summary>
    public static ChildSpec Worker<TProcess>(string id, SpawnOptions options, params object[] args) where TProcess : ProcessBehavior
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(args);
        return new ChildSpec(id, (supervisor, extra) => supervisor.StartLinkAsync<TProcess>(options, Concat(args, extra)));
    }

    /// <summary>A worker that runs <paramref name="body"/>, spawned linked to the supervisor (started at once).</summary>
    public static ChildSpec Function(string id, Func<IProcessContext, Task> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        return new ChildSpec(id, (supervisor, _) => new ValueTask<Pid>(supervisor.SpawnLink(body)));
    }

    /// <summary>
    /// A worker that runs <paramref name="body"/> with the extra arguments of its start (for the template of a
    /// <see cref="RestartStrategy.SimpleOneForOne"/> supervisor), spawned linked to the supervisor.
    /// </summary>
    public static ChildSpec Function(string id, Func<IProcessContext, IReadOnlyList<object>, Task> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        return new ChildSpec(id, (supervisor, extra) => new ValueTask<Pid>(supervisor.SpawnLink(ctx => body(ctx, extra))));
    }

    /// <summary>
    /// A child supervisor (type <see cref="ChildType.Supervisor"/>, shutdown <see cref="ChildShutdown.Infinity"/>) that
    /// supervises by <paramref name="spec"/>: a subtree of the supervision tree.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="spec"/> is invalid; the message says why.</exception>
    public static ChildSpec Supervisor(string id, SupervisorSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validate();
        return new ChildSpec(id, (supervisor, _) => supervisor.StartSupervisorLinkAsync(spec)) { Type = ChildType.Supervisor };
    }

    /// <summary>Erlang-like text for logs: <c>#{id => Id, restart => permanent, shutdown => 5000, type => worker}</c>.</summary>
    public override string ToString() =>
        $"#{{id => {Id}, restart => {Restart.ToString().ToLowerInvariant()}, shutdown => {Shutdown}, type => {Type.ToString().ToLowerInvariant()}}}";

    private static object[] Concat(object[] args, IReadOnlyList<object> extra)
    {
        if (extra.Count == 0)
        {
            return args;
        }
        var all = new object[args.Length + extra.Count];
        args.CopyTo(all, 0);
        for (var i = 0; i < extra.Count; i++)
        {
            all[args.Length + i] = extra[i];
        }
        return all;
    }

    private static string CheckId(string id)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        return id;
    }
}
