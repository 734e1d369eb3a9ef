using ProcessGrid.Runtime.Transport;

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

    /// <summary>The timings of the membership protocol.</summary>
    public MembershipOptions Membership { get; } = new();

    /// <summary>The settings of the connections between nodes.</summary>
    public TransportOptions Transport { get; } = new();

    /// <summary>Checks every setting.</summary>
    /// <exception cref="ArgumentException">A setting is invalid; the message names it and says what is allowed.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(ClusterId) || ClusterId.Length > 150)
        {
            throw new ArgumentException($"{SectionName}:{nameof(ClusterId)} must be a name of 1 to 150 characters (default: default).");
        }
        if (Cookie is { Length: 0 })
        {
            throw new ArgumentException($"{SectionName}:{nameof(Cookie)} is empty: give the cluster's secret, or leave it unset to use ~/.processgrid.cookie.");
        }
        ValidateEndpoint(Listen, nameof(Listen));
        ValidateEndpoint(AdvertisedEndpoint, nameof(AdvertisedEndpoint));
        ValidateEndpoint(Join, nameof(Join));
        if (!IsDistributed && (Join is not null || Database is not null))
        {
            throw new ArgumentException(
                $"{SectionName}:{(Join is not null ? nameof(Join) : nameof(Database))} is set but {SectionName}:{nameof(Listen)} is not: " +
                "a node joins a cluster only when it listens for other nodes (--listen host:port).");
        }
        if (Join is not null && Database is not null)
        {
            throw new ArgumentException($"{SectionName}:{nameof(Join)} and {SectionName}:{nameof(Database)} are both set: membership is kept either in PostgreSQL (Database) or by a seed node (Join), not both.");
        }
        Positive(Membership.ProbePeriod, "Membership:ProbePeriod");
        Positive(Membership.ProbeTimeout, "Membership:ProbeTimeout");
        Positive(Membership.ConnectionLossProbeInterval, "Membership:ConnectionLossProbeInterval");
        Positive(Membership.DeathVoteExpiration, "Membership:DeathVoteExpiration");
        Positive(Membership.IAmAlivePeriod, "Membership:IAmAlivePeriod");
        Positive(Membership.TableRefreshPeriod, "Membership:TableRefreshPeriod");
        Positive(Membership.MaxJoinAttemptTime, "Membership:MaxJoinAttemptTime");
        Positive(Membership.MinRetryDelay, "Membership:MinRetryDelay");
        Positive(Membership.MaxRetryDelay, "Membership:MaxRetryDelay");
        if (Membership.NumMissedProbesLimit < 1 || Membership.NumVotesForDeathDeclaration < 1)
        {
            throw new ArgumentException($"{SectionName}:Membership:NumMissedProbesLimit and NumVotesForDeathDeclaration must be at least 1.");
        }
        if (Transport.MaxFrameSize < 4096)
        {
            throw new ArgumentException($"{SectionName}:Transport:MaxFrameSize is {Transport.MaxFrameSize}; it must be at least 4096 bytes (default 16 MiB).");
        }
        Positive(Transport.HandshakeTimeout, "Transport:HandshakeTimeout");
        Positive(Transport.ConnectTimeout, "Transport:ConnectTimeout");
        Positive(Transport.ReconnectMinDelay, "Transport:ReconnectMinDelay");
        Positive(Transport.ReconnectMaxDelay, "Transport:ReconnectMaxDelay");
    }

    private static void ValidateEndpoint(string? value, string name)
    {
        if (value is null)
        {
            return;
        }
        var colon = value.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(value.AsSpan(colon + 1), out var port) || port is < 0 or > 65535)
        {
            throw new ArgumentException($"{SectionName}:{name} is '{value}'; write it as host:port, for example 127.0.0.1:4370.");
        }
    }

    private static void Positive(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero)
        {
            throw new ArgumentException($"{SectionName}:{name} is {value}; it must be a positive duration such as 00:00:01.");
        }
    }
}
