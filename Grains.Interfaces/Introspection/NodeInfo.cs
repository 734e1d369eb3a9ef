namespace ProcessGrid;

/// <summary>A snapshot of one node, for tools such as the dashboard and the CLI (served as <see cref="GridFunctions.NodeInfo"/>).</summary>
/// <param name="Node">The node's name.</param>
/// <param name="Creation">Its creation: a restarted node has a new one.</param>
/// <param name="Endpoint">The address other nodes reach it at, or null when it is not distributed.</param>
/// <param name="StartedAt">When it started.</param>
/// <param name="Uptime">How long it has been running.</param>
/// <param name="ProcessCount">Its live processes, active virtual processes included.</param>
/// <param name="ConnectedNodes">The nodes it is connected to (<c>nodes()</c>).</param>
public sealed record NodeInfo(
    NodeName Node,
    long Creation,
    string? Endpoint,
    DateTimeOffset StartedAt,
    TimeSpan Uptime,
    int ProcessCount,
    IReadOnlyList<NodeName> ConnectedNodes);
