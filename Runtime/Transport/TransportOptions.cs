namespace ProcessGrid.Runtime.Transport;

/// <summary>Settings of the connections between nodes. Bound from <c>ProcessGrid:Cluster:Transport</c>.</summary>
public sealed class TransportOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "ProcessGrid:Cluster:Transport";

    /// <summary>The largest frame a node sends or accepts; a peer that sends a larger one is disconnected. Default: 16 MiB.</summary>
    public int MaxFrameSize { get; set; } = 16 * 1024 * 1024;

    /// <summary>How long a new connection may take to prove the cookie and say who it is. Default: 5 s.</summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long opening a connection to another node may take. Default: 2 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The first wait before reconnecting after a failed attempt (doubles up to <see cref="ReconnectMaxDelay"/>). Default: 50 ms.</summary>
    public TimeSpan ReconnectMinDelay { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>The longest wait between reconnection attempts. Default: 2 s.</summary>
    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(2);
}
