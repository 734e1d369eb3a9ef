namespace ProcessGrid;

/// <summary>Where a virtual process is activated in a cluster (Orleans' placement strategies).</summary>
public enum PlacementStrategy
{
    /// <summary>
    /// On the node its key hashes to among the active nodes (rendezvous hashing): no lookup is needed, and when nodes
    /// join or leave only the keys of those nodes move. The default.
    /// </summary>
    Hash,

    /// <summary>On a node chosen at random when it is first activated; a directory entry remembers where.</summary>
    Random,

    /// <summary>On the node of the first sender, when it is a member; a directory entry remembers where.</summary>
    PreferLocal,

    /// <summary>On the node named by <see cref="VirtualProcessAttribute.Node"/> while it is active (elsewhere by hash when it is not).</summary>
    NamedNode,
}
