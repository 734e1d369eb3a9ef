using System.Collections.Concurrent;
using ProcessGrid.Runtime.Activation;

namespace ProcessGrid.Runtime.Placement;

/// <summary>
/// Where the virtual processes of the cluster live (Orleans' placement and grain directory in one): every node computes
/// the same answer from the same membership view, so a message for a key goes to one node and the key has at most one
/// activation while membership is stable.
/// </summary>
/// <remarks>
/// <para><b>Owner.</b> The owner of a key is the active member that wins rendezvous hashing on (kind, key, member):
/// all nodes with the same view agree, and when a node joins or leaves only the keys it wins or won change owner.</para>
/// <para><b>Host.</b> With <see cref="PlacementStrategy.Hash"/> the owner hosts the activation. With the other
/// strategies the owner keeps a directory entry naming the host it chose (random, the first sender's node, a named
/// node) and forwards messages there; entries for hosts that left are dropped and chosen again.</para>
/// <para><b>Change.</b> When the view changes, each node ends its activations whose owner changed: they hand their
/// queued messages, in order, to where the key now lives (see <see cref="ActivationCell"/>). The keys of a node that
/// died get new owners once it is declared dead, and the next message activates them there.</para>
/// </remarks>
internal sealed class VirtualPlacement(ProcessNode node)
{
    private readonly ConcurrentDictionary<Pid, NodeName> _directory = new();
    private readonly Lock _changes = new();
    private volatile NodeName[] _members = [];
    private long _version = -1;

    /// <summary>The active members this node places on (empty when the node is not distributed).</summary>
    public IReadOnlyList<NodeName> Members => _members;

    /// <summary>The owner of <paramref name="pid"/>'s key (this node when it is not distributed).</summary>
    public NodeName OwnerOf(Pid pid) => Owner(pid, _members);

    private NodeName Owner(Pid pid, NodeName[] members) => members.Length == 0 ? node.Node : OwnerAmong(pid, members);

    /// <summary>The member that wins rendezvous hashing for <paramref name="pid"/>'s key (the same on every node).</summary>
    public static NodeName OwnerAmong(Pid pid, IReadOnlyList<NodeName> members)
    {
        var best = members[0];
        var bestScore = StableHash.Of(pid.Kind!, pid.Key!, best.Value);
        for (var i = 1; i < members.Count; i++)
        {
            var score = StableHash.Of(pid.Kind!, pid.Key!, members[i].Value);
            if (score > bestScore)
            {
                best = members[i];
                bestScore = score;
            }
        }
        return best;
    }

    /// <summary>
    /// The node a message for <paramref name="pid"/> goes to from here: its host when this node knows it, otherwise its
    /// owner (which knows). <paramref name="origin"/> is the node the message came from (senders go to the owner
    /// directly, so at the owner that is the first sender's node, where prefer-local placement activates).
    /// </summary>
    public NodeName RouteFor(Pid pid, NodeName origin)
    {
        var members = _members;
        var owner = Owner(pid, members);
        if (members.Length == 0)
        {
            return owner;
        }
        var kind = node.Activations.Kinds.Find(pid.Kind!);
        switch (kind?.Placement ?? PlacementStrategy.Hash)
        {
            case PlacementStrategy.Hash:
                return owner;
            case PlacementStrategy.NamedNode:
                return kind!.PlacementNode is { } named && Array.IndexOf(members, named) >= 0 ? named : owner;
            default:
                if (owner != node.Node)
                {
                    return owner; // The owner keeps the directory entry: let it decide.
                }
                return _directory.AddOrUpdate(
                    pid,
                    static (_, state) => state.Self.Choose(state.Kind!.Placement, state.Origin, state.Members),
                    static (_, host, state) => Array.IndexOf(state.Members, host) >= 0 ? host : state.Self.Choose(state.Kind!.Placement, state.Origin, state.Members),
                    (Self: this, Kind: kind, Origin: origin, Members: members));
        }
    }

    private NodeName Choose(PlacementStrategy strategy, NodeName origin, NodeName[] members) => strategy switch
    {
        PlacementStrategy.PreferLocal when Array.IndexOf(members, origin) >= 0 => origin,
        PlacementStrategy.PreferLocal => node.Node,
        _ => members[Random.Shared.Next(members.Length)],
    };

    /// <summary>
    /// Adopts a new set of active members: forgets directory entries this node no longer owns or whose host left, and
    /// ends local activations whose owner changed, so that their keys move.
    /// </summary>
    /// <param name="version">The membership view's version; an older view than the last one adopted is ignored.</param>
    /// <param name="active">The active members in that view.</param>
    public void OnMembersChanged(long version, IEnumerable<NodeName> active)
    {
        var members = active.Distinct().OrderBy(n => n.Value, StringComparer.Ordinal).ToArray();
        lock (_changes)
        {
            if (version <= _version)
            {
                return;
            }
            _version = version;
            if (members.SequenceEqual(_members))
            {
                return;
            }
            _members = members;
        }
        foreach (var (pid, host) in _directory)
        {
            if (Array.IndexOf(members, host) < 0 || Owner(pid, members) != node.Node)
            {
                _directory.TryRemove(new KeyValuePair<Pid, NodeName>(pid, host));
            }
        }
        foreach (var activation in node.Activations.All)
        {
            if (Owner(activation.Self, members) != activation.Owner)
            {
                activation.Move();
            }
        }
    }
}
