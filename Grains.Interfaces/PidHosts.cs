namespace ProcessGrid;

/// <summary>Routes a send on a <see cref="Pid"/> through the node that produced or parsed it.</summary>
internal interface IPidHost
{
    /// <summary>Sends <paramref name="message"/> to <paramref name="to"/> (never blocks).</summary>
    void Send(Pid to, object message);
}

/// <summary>
/// The nodes running in this OS process. When exactly one runs, a pid that is not attached to a node (parsed from
/// text, say) sends through it; most deployments run one node per process.
/// </summary>
internal static class PidHosts
{
    private static readonly Lock Gate = new();
    private static readonly List<IPidHost> Hosts = [];
    private static volatile IPidHost? _single;

    /// <summary>The only node in this process, or null when there are none or several.</summary>
    public static IPidHost? Single => _single;

    /// <summary>How many nodes run in this process.</summary>
    public static int Count
    {
        get
        {
            lock (Gate)
            {
                return Hosts.Count;
            }
        }
    }

    /// <summary>Records a node that started.</summary>
    public static void Add(IPidHost host)
    {
        lock (Gate)
        {
            Hosts.Add(host);
            _single = Hosts.Count == 1 ? Hosts[0] : null;
        }
    }

    /// <summary>Forgets a node that stopped.</summary>
    public static void Remove(IPidHost host)
    {
        lock (Gate)
        {
            Hosts.Remove(host);
            _single = Hosts.Count == 1 ? Hosts[0] : null;
        }
    }
}
