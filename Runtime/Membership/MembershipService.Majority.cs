namespace ProcessGrid.Runtime.Membership;

/// <summary>
/// Whether this node is in contact with the majority of its cluster: the condition under which it may answer for
/// cluster-wide state (global names) that the majority could otherwise hand on to someone else.
/// </summary>
/// <remarks>
/// <para>A peer counts as reached while its connection is open and no probe to it has failed. The majority needs
/// <see cref="Cluster.MembershipOptions.NumMissedProbesLimit"/> failed probes and a write to the table before it declares
/// this node dead; this node stops counting a peer at its first failed probe or the moment its connection closes. So
/// a node on the minority side of a split knows it is cut off before the majority can act on its death.</para>
/// <para>Evaluated when something it depends on changes (a view, a probe result, a lost connection) and read as one
/// volatile field, so that lookups can check it for free.</para>
/// </remarks>
internal sealed partial class MembershipService
{
    private volatile bool _reachesMajority = true;

    /// <summary>True while this node reaches more than half of the active members, itself included (always, alone).</summary>
    public bool ReachesMajority => _reachesMajority;

    /// <summary>Evaluates <see cref="ReachesMajority"/> again from the view, the connections and the probe results.</summary>
    private void UpdateReach()
    {
        var active = 0;
        var reached = 0;
        foreach (var entry in View.Entries)
        {
            if (entry.Status != NodeStatus.Active)
            {
                continue;
            }
            active++;
            if (entry.Is(Self.Name, Self.Creation)
                || (!_fastProbing.ContainsKey(entry.Name)
                    && !_missedProbes.ContainsKey(entry.Name)
                    && _distribution.Transport.Find(entry.Name) is { } connection
                    && connection.Remote.Creation == entry.Creation))
            {
                reached++;
            }
        }
        var reaches = active <= 1 || reached * 2 > active;
        if (reaches != _reachesMajority)
        {
            _reachesMajority = reaches;
            if (reaches)
            {
                LogMajorityRegained(_logger, Self.Name, reached, active);
            }
            else
            {
                LogMajorityLost(_logger, Self.Name, reached, active);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Node {Node} reaches only {Reached} of {Active} active members (itself included): it is cut off from the majority, and does not resolve global names until contact returns")]
    private static partial void LogMajorityLost(ILogger logger, NodeName node, int reached, int active);

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {Node} reaches {Reached} of {Active} active members again: global names are resolved here again")]
    private static partial void LogMajorityRegained(ILogger logger, NodeName node, int reached, int active);
}
