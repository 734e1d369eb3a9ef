namespace ProcessGrid;

/// <summary>
/// Settings of a virtual process class (a <see cref="GenServer"/> addressed by kind and key, like an Orleans grain).
/// Optional: without it the kind is the class name and the node's default idle timeout applies.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class VirtualProcessAttribute : Attribute
{
    /// <summary>The kind name in pids (<c>&lt;Kind/key&gt;</c>); the class name when not set. Must be the same on every node.</summary>
    public string? Kind { get; init; }

    /// <summary>How long an activation may stay idle before it is deactivated, in seconds; 0 for the node's default.</summary>
    public int IdleTimeoutSeconds { get; init; }

    /// <summary>Where activations are placed in a cluster. Default: <see cref="PlacementStrategy.Hash"/>.</summary>
    public PlacementStrategy Placement { get; init; } = PlacementStrategy.Hash;

    /// <summary>For <see cref="PlacementStrategy.NamedNode"/>: the node (<c>name@host</c>) to activate on.</summary>
    public string? Node { get; init; }
}
