using System.Security.Cryptography;
using ProcessGrid.Runtime.Hosting;
using ProcessGrid.Runtime.Transport;

namespace ProcessGrid.Client;

/// <summary>
/// How a client reaches its cluster: the gateway addresses, the cluster's id and cookie, and its own name. Bound from
/// the <c>ProcessGrid:Client</c> configuration section (<c>ProcessGrid__Client__Gateways__0=host:port</c> in the
/// environment); <see cref="Validate"/> refuses a bad setting with a message that names it.
/// </summary>
public sealed class GridClientOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "ProcessGrid:Client";

    /// <summary>
    /// The nodes to reach the cluster through first, each <c>host:port</c> (an entry may list several, separated by
    /// commas). Tried in order; one that answers is enough, since the client learns every other node from it. Any node
    /// of the cluster can be a gateway.
    /// </summary>
    public IList<string> Gateways { get; } = [];

    /// <summary>The cluster's name: it must be the nodes' <c>ProcessGrid:Cluster:ClusterId</c>. Default: <c>default</c>.</summary>
    public string ClusterId { get; set; } = "default";

    /// <summary>
    /// The cluster's shared secret: it must be the nodes' <c>ProcessGrid:Cluster:Cookie</c>. When not set, the client
    /// reads the file <c>~/.processgrid.cookie</c>, as nodes do (so a client and nodes of one user on one machine agree).
    /// </summary>
    public string? Cookie { get; set; }

    /// <summary>
    /// The client's node name, <c>name@host</c>, unique among the cluster's nodes and clients (nodes refuse a client
    /// named like a member). Default: <c>client-</c> and a random suffix, at this machine's name.
    /// </summary>
    public string? Name { get; set; }

    /// <summary>How long a call waits for its reply unless the caller says otherwise. Default: 5 s.</summary>
    public TimeSpan DefaultCallTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long connecting keeps trying gateways that do not answer before it fails (a node that answers and refuses,
    /// for another cluster id or cookie, fails it at once). Default: 10 s.
    /// </summary>
    public TimeSpan MaxConnectAttemptTime { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long closing the client waits for its processes to stop before ending them. Default: 30 s.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The settings of the client's connections (section <c>ProcessGrid:Client:Transport</c>), as for nodes.</summary>
    public TransportOptions Transport { get; } = new();

    /// <summary>The gateway addresses, one per entry (entries holding several, separated by commas, are split).</summary>
    public IReadOnlyList<string> GatewayEndpoints =>
        [.. Gateways.SelectMany(entry => (entry ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))];

    /// <summary>Checks every setting.</summary>
    /// <exception cref="ArgumentException">A setting is invalid; the message names it and says what is allowed.</exception>
    public void Validate()
    {
        var endpoints = GatewayEndpoints;
        if (endpoints.Count == 0)
        {
            throw new ArgumentException(
                $"{SectionName}:{nameof(Gateways)} is empty: give the address of at least one node of the cluster, host:port (for example 127.0.0.1:4370).");
        }
        foreach (var endpoint in endpoints)
        {
            try
            {
                ClusterTransport.ParseEndpoint(endpoint);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"{SectionName}:{nameof(Gateways)} holds an address that is not one: {e.Message}", e);
            }
        }
        if (Name is not null && !NodeName.TryParse(Name, out _))
        {
            throw new ArgumentException($"{SectionName}:{nameof(Name)} is '{Name}', which is not a node name: write it as name@host, for example reports@app1.");
        }
        if (string.IsNullOrWhiteSpace(ClusterId) || ClusterId.Length > 150)
        {
            throw new ArgumentException($"{SectionName}:{nameof(ClusterId)} must be a name of 1 to 150 characters, the nodes' cluster id (default: default).");
        }
        if (Cookie is { Length: 0 })
        {
            throw new ArgumentException($"{SectionName}:{nameof(Cookie)} is empty: give the cluster's secret, or leave it unset to use ~/.processgrid.cookie.");
        }
        if (DefaultCallTimeout <= TimeSpan.Zero && DefaultCallTimeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentException($"{SectionName}:{nameof(DefaultCallTimeout)} is {DefaultCallTimeout}; it must be a positive duration such as 00:00:05.");
        }
        Positive(MaxConnectAttemptTime, nameof(MaxConnectAttemptTime));
        Positive(ShutdownTimeout, nameof(ShutdownTimeout));
        if (Transport.MaxFrameSize < 4096)
        {
            throw new ArgumentException($"{SectionName}:Transport:MaxFrameSize is {Transport.MaxFrameSize}; it must be at least 4096 bytes (default 16 MiB).");
        }
        Positive(Transport.HandshakeTimeout, "Transport:HandshakeTimeout");
        Positive(Transport.ConnectTimeout, "Transport:ConnectTimeout");
        Positive(Transport.ReconnectMinDelay, "Transport:ReconnectMinDelay");
        Positive(Transport.ReconnectMaxDelay, "Transport:ReconnectMaxDelay");
    }

    private static void Positive(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero)
        {
            throw new ArgumentException($"{SectionName}:{name} is {value}; it must be a positive duration such as 00:00:01.");
        }
    }

    /// <summary>The options of the client's own node, named <paramref name="name"/>.</summary>
    internal ProcessGridOptions ToNodeOptions(string name)
    {
        var options = new ProcessGridOptions
        {
            NodeName = name,
            DefaultCallTimeout = DefaultCallTimeout,
            ShutdownTimeout = ShutdownTimeout,
        };
        options.Cluster.ClusterId = ClusterId;
        options.Cluster.Cookie = Cookie;
        options.Cluster.Transport.MaxFrameSize = Transport.MaxFrameSize;
        options.Cluster.Transport.HandshakeTimeout = Transport.HandshakeTimeout;
        options.Cluster.Transport.ConnectTimeout = Transport.ConnectTimeout;
        options.Cluster.Transport.ReconnectMinDelay = Transport.ReconnectMinDelay;
        options.Cluster.Transport.ReconnectMaxDelay = Transport.ReconnectMaxDelay;
        return options;
    }

    /// <summary>A fresh default client name: <c>client-</c>, eight random hex digits, <c>@</c> this machine's name.</summary>
    internal static string DefaultName()
    {
        var host = new string([.. Environment.MachineName.ToLowerInvariant().Where(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_')]);
        return $"client-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}@{(host.Length > 0 ? host : "localhost")}";
    }
}
