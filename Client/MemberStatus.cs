namespace ProcessGrid.Client;

/// <summary>Where a member node is in its life in the cluster, as the cluster's membership records it.</summary>
public enum MemberStatus
{
    /// <summary>It is joining: connecting to the active nodes. It hosts no virtual processes yet.</summary>
    Joining,

    /// <summary>A full member: it runs processes and hosts virtual processes.</summary>
    Active,

    /// <summary>It is leaving in an orderly way: its process trees are shutting down.</summary>
    ShuttingDown,
}
