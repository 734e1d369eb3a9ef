namespace ProcessGrid.Runtime.Groups;

/// <summary>A process of this node that is a member of groups of the scope: the scope's monitor on it, and its groups.</summary>
/// <param name="monitor">The monitor the scope holds on the process, so that its exit ends its memberships.</param>
internal sealed class LocalMembership(MonitorRef monitor)
{
    /// <summary>The scope's monitor on the process.</summary>
    public MonitorRef Monitor { get; } = monitor;

    /// <summary>The groups it joined, a group once per membership.</summary>
    public List<string> Groups { get; } = [];
}
