namespace ProcessGrid.Runtime.Membership;

/// <summary>Where a node is in its life in the cluster (Orleans' <c>SiloStatus</c>). Dead is final: an identity never comes back.</summary>
internal enum NodeStatus : short
{
    /// <summary>Its row is written; it is connecting to the active nodes.</summary>
    Joining = 2,

    /// <summary>A full member: it hosts processes and takes part in probing.</summary>
    Active = 3,

    /// <summary>Leaving in an orderly way.</summary>
    ShuttingDown = 4,

    /// <summary>Gone: declared dead by its peers, or left. A node that sees itself dead stops.</summary>
    Dead = 6,
}
