namespace ProcessGrid.Runtime.Cluster;

/// <summary>
/// How a node joins a cluster: who it is on the network, which cluster, the shared secret, and where membership is
/// kept. Bound from the <c>ProcessGrid:Cluster</c> configuration section; the silo also takes the short flags
/// <c>--listen</c>, <c>--advertise</c>, <c>--join</c>, <c>--cluster</c>, <c>--cookie</c> and <c>--database</c>.
/// </summary>
/// <remarks>
/// <para>A node without <see cref="Listen"/> is not distributed: it runs alone and talks to no other node.</para>
/// <para>Membership is kept in PostgreSQL when <see cref="Database"/> is set. Otherwise the development provider runs:
/// a node without <see cref="Join"/> keeps the membership table itself (the seed), and a node with
/// <c>Join = host:port</c> uses the table of the node at that address (like EPMD or Orleans' localhost clustering).</para>
/// </remarks>
public sealed class ClusterOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "ProcessGrid:Cluster";

    /// <summary>The cluster's name: nodes of different clusters refuse each other. Default: <c>default</c>.</summary>
    public string ClusterId { get; set; } = "default";

    /// <summary>
    /// The shared secret every connection proves (HMAC challenge-response in both directions). When not set, the node
    /// reads (or creates, with a random value) the file <c>~/.processgrid.cookie</c>, as Erlang does with
    /// <c>~/.erlang.cookie</c>: nodes of one user on one machine then agree without configuration.
    /// </summary>
    public string? Cookie { get; set; }

    /// <summary>Where to accept connections from other nodes, <c>host:port</c> (port 0 picks a free one). Not set: not distributed.</summary>
    public string? Listen { get; set; }

    /// <summary>
    /// The address other nodes use to reach this one, <c>host:port</c>. Default: the listen address, or, when it
    /// listens on every interface (0.0.0.0 or ::), the host part of the node name with the listen port.
    /// </summary>
    public string? AdvertisedEndpoint { get; set; }

    /// <summary>Development membership: the address of a running node to join, <c>host:port</c>.</summary>
    public string? Join { get; set; }

    /// <summary>PostgreSQL membership: the connection string of the database that keeps the membership table.</summary>
    public string? Database { get; set; }

    /// <summary>True when the node takes part in a cluster.</summary>
    public bool IsDistributed => !string.IsNullOrWhiteSpace(Listen);
}
