using ProcessGrid.Runtime.Cluster;
using ProcessGrid.Runtime.Persistence;

namespace ProcessGrid.Runtime.Hosting;

/// <summary>
/// Settings of one node. Every timing the runtime uses is here, with its default; <see cref="Validate"/> refuses a bad
/// setting at start with a message that names it.
/// </summary>
public sealed class ProcessGridOptions
{
    /// <summary>The configuration section these options bind from (<c>ProcessGrid</c>).</summary>
    public const string SectionName = "ProcessGrid";

    /// <summary>This node's name, <c>name@host</c>. Default: <c>grid@localhost</c>.</summary>
    public string NodeName { get; set; } = "grid@localhost";

    /// <summary>How long a call waits for its reply unless the caller says otherwise (Erlang's 5 s). Default: 5 s.</summary>
    public TimeSpan DefaultCallTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a virtual process may stay idle before it is deactivated (Orleans' collection age). Default: 15 min.</summary>
    public TimeSpan VirtualProcessIdleTimeout { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How often idle virtual processes are looked for (Orleans' collection quantum). Default: 1 min.</summary>
    public TimeSpan VirtualProcessCollectionQuantum { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The virtual process classes this node can activate by kind name (others are known once used here).</summary>
    public IList<Type> VirtualProcesses { get; } = [];

    /// <summary>
    /// Assemblies to load at start, by path (<c>.dll</c>) or name, whose <see cref="VirtualProcessAttribute"/> classes
    /// this node can activate, and whose message and process types it can read from other nodes (how a silo in a
    /// container gets the application's processes: <c>ProcessGrid__Assemblies__0=/app/MyProcesses.dll</c>).
    /// </summary>
    public IList<string> Assemblies { get; } = [];

    /// <summary>Adds every concrete <see cref="GenServer"/> class of <paramref name="assembly"/> marked <see cref="VirtualProcessAttribute"/> to <see cref="VirtualProcesses"/>.</summary>
    /// <returns>These options, for chaining.</returns>
    public ProcessGridOptions AddVirtualProcessesFrom(System.Reflection.Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        foreach (var type in Activation.VirtualProcessDiscovery.In(assembly))
        {
            if (!VirtualProcesses.Contains(type))
            {
                VirtualProcesses.Add(type);
            }
        }
        return this;
    }

    /// <summary>How long a graceful stop waits for process trees and virtual processes to stop before killing the rest. Default: 30 s.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The granularity of timers (receive timeouts, call timeouts, send_after). Default: 1 ms.</summary>
    public TimeSpan TimerResolution { get; set; } = TimeSpan.FromMilliseconds(1);

    /// <summary>How many dead letters are logged per second at most (all are counted). Default: 10.</summary>
    public int DeadLetterLogLinesPerSecond { get; set; } = 10;

    /// <summary>How the node takes part in a cluster (section <c>ProcessGrid:Cluster</c>); not distributed unless <see cref="ClusterOptions.Listen"/> is set.</summary>
    public ClusterOptions Cluster { get; } = new();

    /// <summary>Where the persistent state of virtual processes is kept (section <c>ProcessGrid:Persistence</c>); by default in the cluster's database, or in memory without one.</summary>
    public PersistenceOptions Persistence { get; } = new();

    /// <summary>The functions the node serves over rpc from its start (registered in code: a function cannot come from configuration).</summary>
    public Rpc.RpcOptions Rpc { get; } = new();

    /// <summary>Process groups (section <c>ProcessGrid:Groups</c>): the scopes that start with the node besides the default one.</summary>
    public Groups.GroupsOptions Groups { get; } = new();

    /// <summary>Checks every setting.</summary>
    /// <exception cref="ArgumentException">A setting is invalid; the message names it and says what is allowed.</exception>
    public void Validate()
    {
        try
        {
            ProcessGrid.NodeName.Parse(NodeName);
        }
        catch (FormatException e)
        {
            throw new ArgumentException($"{SectionName}:{nameof(NodeName)} is invalid: {e.Message}", e);
        }
        RequirePositive(DefaultCallTimeout, nameof(DefaultCallTimeout), allowInfinite: true);
        RequirePositive(VirtualProcessIdleTimeout, nameof(VirtualProcessIdleTimeout), allowInfinite: false);
        RequirePositive(VirtualProcessCollectionQuantum, nameof(VirtualProcessCollectionQuantum), allowInfinite: false);
        RequirePositive(ShutdownTimeout, nameof(ShutdownTimeout), allowInfinite: false);
        RequirePositive(TimerResolution, nameof(TimerResolution), allowInfinite: false);
        if (TimerResolution > TimeSpan.FromSeconds(1))
        {
            throw new ArgumentException($"{SectionName}:{nameof(TimerResolution)} is {TimerResolution}; it must be at most 1 second (default 1 ms).");
        }
        if (DeadLetterLogLinesPerSecond < 0)
        {
            throw new ArgumentException($"{SectionName}:{nameof(DeadLetterLogLinesPerSecond)} is {DeadLetterLogLinesPerSecond}; it must be 0 or more.");
        }
        Cluster.Validate();
        Persistence.Validate(Cluster);
        Groups.Validate();
        foreach (var type in VirtualProcesses)
        {
            if (!typeof(GenServer).IsAssignableFrom(type) || type.IsAbstract)
            {
                throw new ArgumentException($"{SectionName}:{nameof(VirtualProcesses)} lists {type.FullName}, which is not a concrete GenServer class.");
            }
        }
    }

    private static void RequirePositive(TimeSpan value, string name, bool allowInfinite)
    {
        if (value <= TimeSpan.Zero && !(allowInfinite && value == Timeout.InfiniteTimeSpan))
        {
            throw new ArgumentException($"{SectionName}:{name} is {value}; it must be a positive duration such as 00:00:05.");
        }
    }
}
