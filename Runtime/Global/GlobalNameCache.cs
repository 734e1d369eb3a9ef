using System.Collections.Concurrent;

namespace ProcessGrid.Runtime.Global;

/// <summary>
/// This node's copy of the global names (Erlang's <c>global_names</c> table): what lookups answer from, without
/// leaving the node. Kept current by the global table's notifications and by this node's own successful changes.
/// </summary>
/// <remarks>
/// <para>Each entry keeps its claim's number. Claims of one name are numbered in commit order, so a change that
/// reaches this copy late or twice (replayed after a snapshot, or already applied locally) is recognized: a claim
/// older than the entry is ignored, and a release removes the entry only if it ends that very claim.</para>
/// <para>The names of a node membership records as dead are dropped at once, and a late claim by such a node is
/// not taken in: the database already treats its claims as void.</para>
/// </remarks>
internal sealed class GlobalNameCache(ProcessNode node) : IGlobalTableObserver
{
    private readonly ConcurrentDictionary<string, GlobalNameEntry> _names = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(NodeName Node, long Creation), byte> _deadNodes = new();
    private readonly Lock _writes = new();

    /// <summary>
    /// Claims this node ended itself whose release notification has not come back yet: their claim notification may
    /// still be on its way, and must not bring the name back in the meantime (a node reads its own writes).
    /// </summary>
    private readonly HashSet<(string Name, long Seq)> _endedHere = [];
    private readonly TaskCompletionSource _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Raised (outside any lock) when a lock is released anywhere, with the resource's name, so waiters try again.</summary>
    public event Action<string>? LockReleased;

    /// <summary>
    /// Raised (outside any lock) when the table reports the end of claim <c>seq</c> of a name, wherever it was ended (its
    /// holder exited, or any node unregistered it), so that the holder's node stops watching the holder for it.
    /// </summary>
    public event Action<string, long>? NameReleased;

    /// <summary>
    /// Raised (outside any lock) for each claim of a name the table reports (in a snapshot or as a change) that this copy
    /// took in, so that the node of its holder watches the holder even if the claimant never heard the table's answer.
    /// </summary>
    public event Action<string, Pid, long>? NameClaimed;

    /// <summary>Completes when the first snapshot has been taken in.</summary>
    public Task Loaded => _loaded.Task;

    /// <summary>The entry of <paramref name="name"/>, or null.</summary>
    public GlobalNameEntry? Find(string name) => _names.TryGetValue(name, out var entry) ? entry : null;

    /// <summary>The names held.</summary>
    public IReadOnlyList<string> Names => [.. _names.Keys];

    /// <summary>Takes in this node's own successful claim at once, ahead of its notification.</summary>
    public void Claimed(string name, Pid pid, long seq, string? resolve)
    {
        lock (_writes)
        {
            ApplyClaim(name, pid, seq, resolve);
        }
    }

    /// <summary>Takes in the end of claim <paramref name="seq"/> of <paramref name="name"/>, ahead of its notification.</summary>
    public void Released(string name, long seq)
    {
        lock (_writes)
        {
            _endedHere.Add((name, seq));
            if (_names.TryGetValue(name, out var entry) && entry.Seq == seq)
            {
                _names.TryRemove(name, out _);
            }
        }
    }

    /// <summary>Drops every name held by the node <paramref name="dead"/> of creation <paramref name="creation"/>, and ignores its late claims.</summary>
    public void DropNode(NodeName dead, long creation)
    {
        lock (_writes)
        {
            _deadNodes[(dead, creation)] = 0;
            foreach (var (name, entry) in _names)
            {
                if (entry.Pid.Node == dead && entry.Pid.Creation == creation)
                {
                    _names.TryRemove(name, out _);
                }
            }
        }
    }

    /// <inheritdoc />
    public void OnSnapshot(IReadOnlyList<GlobalChange> claims)
    {
        var taken = new List<(string Name, Pid Pid, long Seq)>(claims.Count);
        lock (_writes)
        {
            _names.Clear();
            _endedHere.Clear();
            foreach (var claim in claims)
            {
                var pid = node.ParsePid(claim.Pid);
                if (ApplyClaim(claim.Name, pid, claim.Seq, claim.Resolve))
                {
                    taken.Add((claim.Name, pid, claim.Seq));
                }
            }
        }
        _loaded.TrySetResult();
        foreach (var (name, pid, seq) in taken)
        {
            NameClaimed?.Invoke(name, pid, seq);
        }
    }

    /// <inheritdoc />
    public void OnChange(in GlobalChange change)
    {
        if (change.Kind == GlobalKind.Lock)
        {
            if (!change.Claimed)
            {
                LockReleased?.Invoke(change.Name);
            }
            return;
        }
        Pid? claimant = null;
        lock (_writes)
        {
            if (change.Claimed)
            {
                var pid = node.ParsePid(change.Pid);
                if (ApplyClaim(change.Name, pid, change.Seq, change.Resolve))
                {
                    claimant = pid;
                }
            }
            else
            {
                _endedHere.Remove((change.Name, change.Seq));
                if (_names.TryGetValue(change.Name, out var entry) && entry.Seq == change.Seq)
                {
                    _names.TryRemove(change.Name, out _);
                }
            }
        }
        if (claimant is not null)
        {
            NameClaimed?.Invoke(change.Name, claimant, change.Seq);
        }
        else if (!change.Claimed)
        {
            NameReleased?.Invoke(change.Name, change.Seq);
        }
    }

    /// <summary>Takes in a claim unless it is void, ended, or older than what this copy holds; true when the copy now names it.</summary>
    private bool ApplyClaim(string name, Pid pid, long seq, string? resolve)
    {
        if (_deadNodes.ContainsKey((pid.Node, pid.Creation)) || _endedHere.Contains((name, seq)))
        {
            return false;
        }
        if (!_names.TryGetValue(name, out var entry) || entry.Seq < seq)
        {
            _names[name] = new GlobalNameEntry(pid, seq, resolve);
            return true;
        }
        return entry.Seq == seq;
    }
}

/// <summary>A global name as this node knows it: its holder, its claim's number and its resolve method.</summary>
internal sealed record GlobalNameEntry(Pid Pid, long Seq, string? Resolve);
