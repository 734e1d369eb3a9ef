using System.Buffers;
using System.Collections.Concurrent;
using System.Text.Json;
using ProcessGrid.Runtime.Cluster;
using ProcessGrid.Runtime.Distribution;
using ProcessGrid.Runtime.Gateway;
using ProcessGrid.Runtime.Transport;

namespace ProcessGrid.Runtime.Membership;

/// <summary>
/// One node's part in the membership protocol (Orleans' membership agent, table manager and health monitor): it joins
/// the cluster, watches the other nodes, votes against the ones that stop answering, declares them dead when enough
/// nodes agree, and stops its own node if the cluster declares it dead.
/// </summary>
/// <remarks>
/// <para><b>The table is the truth.</b> Every status change and vote is one compare-and-swap write on the table's
/// version (<see cref="IMembershipTable"/>), so writes from all nodes are serialized and every node can tell a newer
/// view from an older one. After each write the writer sends its view to the other nodes (gossip); each node also
/// re-reads the table now and then in case it missed one.</para>
/// <para><b>Joining.</b> Read the table; declare older creations of this node's name dead (a restart replaces the old
/// identity); insert this node as <see cref="NodeStatus.Joining"/>; reach every active node (voting against the ones
/// that cannot be reached, so a cluster that lost nodes while this one was away does not block it forever); then
/// become <see cref="NodeStatus.Active"/>.</para>
/// <para><b>Failure detection.</b> Every active node probes every other one over the connection between them, answered
/// by the peer's connection layer. <see cref="MembershipOptions.NumMissedProbesLimit"/> consecutive failures make it
/// vote. A closed connection is a strong hint (a killed process closes its sockets at once), so it is followed by
/// immediate probes at <see cref="MembershipOptions.ConnectionLossProbeInterval"/>: a killed node is declared dead in
/// a fraction of a second; one that stops answering without closing its sockets (SIGSTOP, a cut cable) after its
/// probes time out.</para>
/// <para><b>Votes.</b> A node is declared dead when it has min(<see cref="MembershipOptions.NumVotesForDeathDeclaration"/>,
/// half the active nodes rounded up) fresh votes: one vote in a two-node cluster, two in larger ones, so a single node
/// that cannot see another (its own network failing) cannot take it out of a larger cluster alone.</para>
/// <para><b>Unavailable table.</b> When the table cannot be read or written, nothing is declared dead and nobody joins;
/// running nodes keep serving messages; the node logs that it waits, and carries on when the table is back.</para>
/// </remarks>
internal sealed partial class MembershipService : IMembershipView, IAsyncDisposable
{
    private readonly ProcessNode _node;
    private readonly NodeDistribution _distribution;
    private readonly IMembershipTable _table;
    private readonly MembershipOptions _options;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<NodeName, int> _missedProbes = new();
    private readonly ConcurrentDictionary<NodeName, byte> _fastProbing = new();
    private readonly SemaphoreSlim _writes = new(1, 1);
    private readonly DevelopmentTableServer? _tableServer;
    private readonly ClientGateway _gateway;
    private readonly ClientHealthMonitor _clients;
    private readonly MembershipView _view = new();
    private readonly List<Task> _loops = [];
    private readonly Lock _roundsGate = new();
    private readonly List<GossipRound> _rounds = [];
    private int _unavailableLogged;
    private int _selfDeathHandled;

    public MembershipService(ProcessNode node, NodeDistribution distribution, IMembershipTable table, MembershipOptions options, bool servesTable)
    {
        _node = node;
        _distribution = distribution;
        _table = table;
        _options = options;
        _logger = node.LoggerFactory.CreateLogger("ProcessGrid.Membership");
        _tableServer = servesTable ? new DevelopmentTableServer(distribution, table, _logger) : null;
        _gateway = new ClientGateway(distribution);
        _clients = new ClientHealthMonitor(distribution.Transport, options, _logger);
    }

    /// <summary>This node's identity.</summary>
    private NodeIdentity Self => _distribution.Transport.Self;

    /// <summary>The latest view of the table this node has.</summary>
    public MembershipTableData View => _view.Current;

    /// <summary>The active members, this node included.</summary>
    public IReadOnlyList<NodeName> ActiveNodes => [.. View.Entries.Where(e => e.Status == NodeStatus.Active).Select(e => e.Name)];

    // ------------------------------------------------------------------------------------------------------------
    // Joining and leaving
    // ------------------------------------------------------------------------------------------------------------

    /// <summary>Joins the cluster: Joining, reach the active nodes, Active. Retries until <see cref="MembershipOptions.MaxJoinAttemptTime"/>.</summary>
    /// <exception cref="InvalidOperationException">The node could not join in time, or a newer creation of it is running; the message says which.</exception>
    public async Task JoinAsync(CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token);
        deadline.CancelAfter(_options.MaxJoinAttemptTime);
        try
        {
            await RetryAsync("create the membership table", () => _table.InitializeAsync(deadline.Token), deadline.Token).ConfigureAwait(false);
            await WriteStatusAsync(NodeStatus.Joining, insert: true, deadline.Token).ConfigureAwait(false);
            await ReachActiveNodesAsync(deadline.Token).ConfigureAwait(false);
            await WriteStatusAsync(NodeStatus.Active, insert: false, deadline.Token, awaitGossip: true).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && !_stopping.IsCancellationRequested)
        {
            throw new InvalidOperationException(
                $"{Self.Name} could not join cluster within {_options.MaxJoinAttemptTime} (ProcessGrid:Cluster:Membership:MaxJoinAttemptTime): " +
                "the membership table stayed unreachable or the active nodes could not be reached. See the log for what failed.");
        }
        LogJoined(_logger, Self.Name, ActiveNodes.Count);
        _loops.Add(Task.Run(ProbeLoopAsync));
        _loops.Add(Task.Run(RefreshLoopAsync));
        _loops.Add(Task.Run(IAmAliveLoopAsync));
    }

    /// <summary>
    /// The longest a stopping node tries to record each step of its leave. A table that cannot be reached (the database
    /// down, the development seed gone) must not hold a stop for the whole shutdown time: the others find out through
    /// their probes that the node has gone, as they would if it had crashed.
    /// </summary>
    private static readonly TimeSpan LeaveWriteLimit = TimeSpan.FromSeconds(5);

    /// <summary>Leaves in an orderly way: ShuttingDown now; <see cref="CompleteLeaveAsync"/> writes Dead once processes have stopped.</summary>
    public async Task BeginLeaveAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            limit.CancelAfter(LeaveWriteLimit);
            await WriteStatusAsync(NodeStatus.ShuttingDown, insert: false, limit.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or MembershipUnavailableException or InvalidOperationException)
        {
            LogLeaveWriteFailed(_logger, NodeStatus.ShuttingDown, e.Message);
        }
    }

    /// <summary>Writes Dead for this node (the end of an orderly leave) and stops taking part.</summary>
    public async Task CompleteLeaveAsync(CancellationToken cancellationToken)
    {
        _stopping.Cancel();
        try
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            limit.CancelAfter(LeaveWriteLimit);
            await WriteStatusAsync(NodeStatus.Dead, insert: false, limit.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or MembershipUnavailableException or InvalidOperationException)
        {
            LogLeaveWriteFailed(_logger, NodeStatus.Dead, e.Message);
        }
    }

    /// <summary>Writes this node's <paramref name="status"/> by compare-and-swap (inserting its row when <paramref name="insert"/>), then gossips the new view.</summary>
    /// <param name="status">The new status.</param>
    /// <param name="insert">Insert the row (joining) rather than update it.</param>
    /// <param name="cancellationToken">Gives up.</param>
    /// <param name="awaitGossip">
    /// Wait until the connected nodes confirm they applied the view with the new status (or a probe cycle passes):
    /// when a node turns Active, the keys it now owns must not be activated elsewhere by a node that has not heard.
    /// </param>
    private async Task WriteStatusAsync(NodeStatus status, bool insert, CancellationToken cancellationToken, bool awaitGossip = false)
    {
        await RetryAsync($"write {status} for {Self.Name}", async () =>
        {
            while (true)
            {
                var data = await ReadTableAsync(cancellationToken).ConfigureAwait(false);
                if (insert && await RetireOlderCreationsAsync(data, cancellationToken).ConfigureAwait(false))
                {
                    continue; // The table changed: read it again.
                }
                var mine = data.Entries.FirstOrDefault(e => e.Is(Self.Name, Self.Creation));
                bool written;
                if (mine is null)
                {
                    if (!insert)
                    {
                        throw new InvalidOperationException($"{Self.Name} (creation {Self.Creation}) is missing from the membership table.");
                    }
                    var now = DateTimeOffset.UtcNow;
                    written = await _table.InsertAsync(new MembershipEntry(Self.Name, Self.Creation, Self.Endpoint, status, [], now, now), data.Version, cancellationToken).ConfigureAwait(false);
                }
                else if (mine.Status == NodeStatus.Dead && status != NodeStatus.Dead)
                {
                    await OnSelfDeclaredDeadAsync().ConfigureAwait(false);
                    throw new OperationCanceledException("This node was declared dead.");
                }
                else
                {
                    written = await _table.UpdateAsync(mine with { Status = status, IAmAliveAt = DateTimeOffset.UtcNow }, data.Version, cancellationToken).ConfigureAwait(false);
                }
                if (written)
                {
                    var acknowledged = await RefreshAsync(cancellationToken, gossip: true).ConfigureAwait(false);
                    if (awaitGossip)
                    {
                        try
                        {
                            await acknowledged.WaitAsync(_options.ProbeTimeout * _options.NumMissedProbesLimit, cancellationToken).ConfigureAwait(false);
                        }
                        catch (TimeoutException)
                        {
                            // A node that does not answer in time is the probes' business.
                        }
                    }
                    return;
                }
            }
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Declares older creations of this node's name dead (the restarted node replaces them); returns true if it wrote.
    /// </summary>
    /// <exception cref="InvalidOperationException">A newer creation of this node is in the table: this one must not run.</exception>
    private async Task<bool> RetireOlderCreationsAsync(MembershipTableData data, CancellationToken cancellationToken)
    {
        foreach (var entry in data.Entries.Where(e => e.Name == Self.Name && e.Creation != Self.Creation))
        {
            if (entry.Creation > Self.Creation && entry.Status != NodeStatus.Dead)
            {
                throw new InvalidOperationException(
                    $"A newer run of {Self.Name} (creation {entry.Creation}) is a member of the cluster; this one (creation {Self.Creation}) stops.");
            }
            if (entry.Creation < Self.Creation && entry.Status != NodeStatus.Dead)
            {
                LogReplacingOlderCreation(_logger, Self.Name, entry.Creation);
                await _table.UpdateAsync(entry with { Status = NodeStatus.Dead }, data.Version, cancellationToken).ConfigureAwait(false);
                return true;
            }
        }
        return false;
    }

    private async Task ReachActiveNodesAsync(CancellationToken cancellationToken)
    {
        var delay = _options.MinRetryDelay;
        while (true)
        {
            var view = await ReadTableAsync(cancellationToken).ConfigureAwait(false);
            Apply(view);
            var others = view.Entries.Where(e => e.Status == NodeStatus.Active && !e.Is(Self.Name, Self.Creation)).ToList();
            var results = await Task.WhenAll(others.Select(async e => (Entry: e, Reached: await ProbeAsync(e.Name).ConfigureAwait(false)))).ConfigureAwait(false);
            var unreachable = results.Where(r => !r.Reached).Select(r => r.Entry).ToList();
            if (unreachable.Count == 0)
            {
                return;
            }
            LogJoinWaiting(_logger, string.Join(", ", unreachable.Select(e => e.Name)));
            foreach (var entry in unreachable)
            {
                await SuspectAsync(entry.Name, entry.Creation, cancellationToken).ConfigureAwait(false);
            }
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxRetryDelay.Ticks));
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Failure detection
    // ------------------------------------------------------------------------------------------------------------

    private async Task<bool> ProbeAsync(NodeName node)
    {
        try
        {
            return await _distribution.PingAsync(node, _options.ProbeTimeout).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException)
        {
            return false;
        }
    }

    private async Task ProbeLoopAsync()
    {
        using var timer = new PeriodicTimer(_options.ProbePeriod);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token).ConfigureAwait(false))
            {
                var targets = View.Entries
                    .Where(e => e.Status is NodeStatus.Active or NodeStatus.Joining && !e.Is(Self.Name, Self.Creation))
                    .ToList();
                await Task.WhenAll(targets.Select(ProbeOnceAsync).Append(_clients.ProbeAsync())).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    private async Task ProbeOnceAsync(MembershipEntry target)
    {
        if (_fastProbing.ContainsKey(target.Name))
        {
            return; // The connection-loss probes are on it.
        }
        if (await ProbeAsync(target.Name).ConfigureAwait(false))
        {
            if (_missedProbes.TryRemove(target.Name, out _) || !_reachesMajority)
            {
                UpdateReach();
            }
            return;
        }
        var missed = _missedProbes.AddOrUpdate(target.Name, 1, (_, count) => count + 1);
        UpdateReach();
        LogProbeMissed(_logger, target.Name, missed);
        if (missed >= _options.NumMissedProbesLimit)
        {
            _missedProbes.TryRemove(target.Name, out _);
            await SuspectAsync(target.Name, target.Creation, _stopping.Token).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public void OnConnectionLost(NodeName node)
    {
        var entry = View.Entries.FirstOrDefault(e => e.Name == node && e.Status is NodeStatus.Active or NodeStatus.Joining);
        if (entry is null || _stopping.IsCancellationRequested || !_fastProbing.TryAdd(node, 0))
        {
            return;
        }
        UpdateReach();
        _ = Task.Run(async () =>
        {
            try
            {
                for (var attempt = 1; attempt <= _options.NumMissedProbesLimit; attempt++)
                {
                    if (await ProbeAsync(node).ConfigureAwait(false))
                    {
                        return; // It answers: the connection was lost, not the node.
                    }
                    if (attempt < _options.NumMissedProbesLimit)
                    {
                        await Task.Delay(_options.ConnectionLossProbeInterval, _stopping.Token).ConfigureAwait(false);
                    }
                }
                LogConnectionLossConfirmed(_logger, node, _options.NumMissedProbesLimit);
                await SuspectAsync(node, entry.Creation, _stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Stopping.
            }
            finally
            {
                _fastProbing.TryRemove(node, out _);
                UpdateReach();
            }
        });
    }

    /// <summary>Votes that <paramref name="node"/> (creation <paramref name="creation"/>) is dead, declaring it dead when the votes suffice.</summary>
    private async Task SuspectAsync(NodeName node, long creation, CancellationToken cancellationToken)
    {
        await _writes.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var delay = _options.MinRetryDelay;
            while (!cancellationToken.IsCancellationRequested)
            {
                MembershipTableData data;
                try
                {
                    data = await ReadTableAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (MembershipUnavailableException e)
                {
                    // The table is the only judge: with it unreachable nobody is declared dead. Wait and try again.
                    LogUnavailable(e.Message);
                    await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                    delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxRetryDelay.Ticks));
                    continue;
                }
                Apply(data);
                if (data.Entries.FirstOrDefault(e => e.Is(Self.Name, Self.Creation)) is { Status: NodeStatus.Dead })
                {
                    await OnSelfDeclaredDeadAsync().ConfigureAwait(false);
                    return;
                }
                var suspect = data.Entries.FirstOrDefault(e => e.Is(node, creation));
                if (suspect is null || suspect.Status == NodeStatus.Dead)
                {
                    return;
                }
                var active = data.Entries.Count(e => e.Status == NodeStatus.Active);
                if (active >= 3 && !_reachesMajority)
                {
                    // Cut off from the majority, this node's view is the odd one out: it must not help a minority
                    // declare members of the majority dead. (Two nodes have no majority to defer to: each votes.)
                    LogNotVotingWhileCutOff(_logger, node);
                    return;
                }
                var now = DateTimeOffset.UtcNow;
                // Clock skew: judge freshness against the newest vote if it is ahead of this node's clock.
                var horizon = suspect.Votes.Select(v => v.At).Append(now).Max() - _options.DeathVoteExpiration;
                // Only votes of members that are still active count: a vote cast by a node since declared dead (say,
                // from its side of a split) is the opinion of a node the cluster no longer trusts.
                var votes = suspect.Votes
                    .Where(v => v.At >= horizon
                        && !(v.Voter == Self.Name && v.VoterCreation == Self.Creation)
                        && data.Entries.Any(e => e.Is(v.Voter, v.VoterCreation) && e.Status == NodeStatus.Active))
                    .Append(new SuspectVote(Self.Name, Self.Creation, now))
                    .ToList();
                var required = Math.Max(1, Math.Min(_options.NumVotesForDeathDeclaration, (active + 1) / 2));
                var declare = votes.Count >= required;
                var updated = suspect with
                {
                    Status = declare ? NodeStatus.Dead : suspect.Status,
                    Votes = votes.Count > _options.NumVotesForDeathDeclaration ? votes[^_options.NumVotesForDeathDeclaration..] : votes,
                };
                bool written;
                try
                {
                    written = await _table.UpdateAsync(updated, data.Version, cancellationToken).ConfigureAwait(false);
                }
                catch (MembershipUnavailableException e)
                {
                    LogUnavailable(e.Message);
                    await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                    continue;
                }
                if (!written)
                {
                    continue; // Another node wrote first: read again and recount.
                }
                if (declare)
                {
                    LogDeclaredDead(_logger, node, creation, votes.Count, required);
                }
                else
                {
                    LogVoted(_logger, node, votes.Count, required);
                }
                await RefreshAsync(cancellationToken, gossip: true).ConfigureAwait(false);
                return;
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
        finally
        {
            _writes.Release();
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Views
    // ------------------------------------------------------------------------------------------------------------

    private async Task RefreshLoopAsync()
    {
        using var timer = new PeriodicTimer(_options.TableRefreshPeriod);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token).ConfigureAwait(false))
            {
                try
                {
                    await RefreshAsync(_stopping.Token, gossip: false).ConfigureAwait(false);
                }
                catch (MembershipUnavailableException e)
                {
                    LogUnavailable(e.Message);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    private async Task IAmAliveLoopAsync()
    {
        using var timer = new PeriodicTimer(_options.IAmAlivePeriod);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token).ConfigureAwait(false))
            {
                try
                {
                    await _table.UpdateIAmAliveAsync(Self.Name, Self.Creation, DateTimeOffset.UtcNow, _stopping.Token).ConfigureAwait(false);
                }
                catch (MembershipUnavailableException e)
                {
                    LogUnavailable(e.Message);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    /// <summary>Reads the table and adopts it; with <paramref name="gossip"/>, sends it to the connected nodes.</summary>
    /// <returns>Completes when every node it was sent to has confirmed it (at once without gossip).</returns>
    private async Task<Task> RefreshAsync(CancellationToken cancellationToken, bool gossip)
    {
        var data = await ReadTableAsync(cancellationToken).ConfigureAwait(false);
        Apply(data);
        return gossip ? Gossip(data) : Task.CompletedTask;
    }

    private async Task<MembershipTableData> ReadTableAsync(CancellationToken cancellationToken)
    {
        var data = await _table.ReadAllAsync(cancellationToken).ConfigureAwait(false);
        if (Interlocked.Exchange(ref _unavailableLogged, 0) != 0)
        {
            LogAvailableAgain(_logger);
        }
        return data;
    }

    /// <summary>Adopts <paramref name="data"/> if it is newer than the current view, and acts on what changed.</summary>
    private void Apply(MembershipTableData data)
    {
        if (!_view.TryAdvance(data, out var previous))
        {
            return;
        }
        _node.Placement.OnMembersChanged(data.Version, data.Entries.Where(e => e.Status == NodeStatus.Active).Select(e => e.Name));
        _gateway.Publish(data);

        foreach (var entry in data.Entries)
        {
            var before = previous.Entries.FirstOrDefault(e => e.Is(entry.Name, entry.Creation));
            if (before?.Status == entry.Status)
            {
                continue;
            }
            if (entry.Is(Self.Name, Self.Creation))
            {
                if (entry.Status == NodeStatus.Dead && !_stopping.IsCancellationRequested)
                {
                    _ = OnSelfDeclaredDeadAsync();
                }
                continue;
            }
            switch (entry.Status)
            {
                case NodeStatus.Dead:
                    _missedProbes.TryRemove(entry.Name, out _);
                    _node.OnMemberDead(entry.Name, entry.Creation);
                    if (_distribution.Transport.Find(entry.Name) is { } connection && connection.Remote.Creation == entry.Creation)
                    {
                        _distribution.OnDeclaredDead(entry.Name);
                    }
                    break;
                case NodeStatus.ShuttingDown:
                    _distribution.OnLeaving(entry.Name);
                    break;
                case NodeStatus.Active when before is not { Status: NodeStatus.Active }:
                    // Keep the mesh full: every member talks to every other (probes, gossip, and Erlang's fully connected nodes).
                    _ = _distribution.PingAsync(entry.Name, _options.ProbeTimeout);
                    break;
            }
        }
        UpdateReach();
    }

    /// <summary>Sends <paramref name="data"/> to every connected node; the task completes when all of them have confirmed it.</summary>
    private Task Gossip(MembershipTableData data)
    {
        var connections = _distribution.Transport.Connections.Where(c => c.Remote.Role == PeerRole.Node).ToList();
        var round = new GossipRound(data.Version, connections.Select(c => c.Remote.Name));
        lock (_roundsGate)
        {
            // Rounds that a node never confirmed (it died meanwhile) are not waited for after a probe cycle: forget them.
            var stale = Environment.TickCount64 - (long)(_options.ProbeTimeout * _options.NumMissedProbesLimit).TotalMilliseconds;
            _rounds.RemoveAll(old => old.StartedAt < stale);
            if (!round.Done.IsCompleted)
            {
                _rounds.Add(round);
            }
        }
        foreach (var connection in connections)
        {
            var frame = FrameBuilder.Start(FrameKind.MembershipGossip);
            try
            {
                _distribution.Serializer.Serialize(frame, data);
            }
            catch
            {
                frame.Release();
                throw;
            }
            if (!connection.Send(frame))
            {
                frame.Release();
                OnGossipAcknowledged(connection.Remote.Name, data.Version); // Gone: nothing to wait for.
            }
        }
        return round.Done;
    }

    /// <summary>Notes that <paramref name="node"/> has applied a view of at least <paramref name="version"/>.</summary>
    private void OnGossipAcknowledged(NodeName node, long version)
    {
        lock (_roundsGate)
        {
            _rounds.RemoveAll(round => round.Version <= version && round.Acknowledge(node));
        }
    }

    /// <summary>One gossip of a view: the nodes it went to that have not confirmed it yet.</summary>
    private sealed class GossipRound(long version, IEnumerable<NodeName> recipients)
    {
        private readonly HashSet<NodeName> _pending = [.. recipients];
        private readonly TaskCompletionSource _done = CompletedIfEmpty(recipients);

        public long Version { get; } = version;

        public long StartedAt { get; } = Environment.TickCount64;

        public Task Done => _done.Task;

        /// <summary>Records a confirmation; true when the round is complete.</summary>
        public bool Acknowledge(NodeName node)
        {
            _pending.Remove(node);
            if (_pending.Count > 0)
            {
                return false;
            }
            _done.TrySetResult();
            return true;
        }

        private static TaskCompletionSource CompletedIfEmpty(IEnumerable<NodeName> recipients)
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (!recipients.Any())
            {
                done.SetResult();
            }
            return done;
        }
    }

    private async Task OnSelfDeclaredDeadAsync()
    {
        if (Interlocked.Exchange(ref _selfDeathHandled, 1) != 0)
        {
            return;
        }
        LogSelfDeclaredDead(_logger, Self.Name, Self.Creation);
        _stopping.Cancel();
        await _node.OnDeclaredDeadAsync().ConfigureAwait(false);
    }

    // ------------------------------------------------------------------------------------------------------------
    // IMembershipView
    // ------------------------------------------------------------------------------------------------------------

    /// <inheritdoc />
    public string? EndpointOf(NodeName node) =>
        View.Entries.Where(e => e.Name == node && e.Status != NodeStatus.Dead).OrderByDescending(e => e.Creation).FirstOrDefault()?.Endpoint;

    /// <inheritdoc />
    public bool IsMember(NodeName node) => View.Entries.Any(e => e.Name == node);

    /// <inheritdoc />
    public Refusal? RefusalFor(NodeIdentity peer)
    {
        if (peer.Role == PeerRole.Client)
        {
            // Traffic is kept per peer name: a client named like a member would take that member's place.
            return View.Entries.Any(e => e.Name == peer.Name && e.Status != NodeStatus.Dead)
                ? Refusal.Other($"{peer.Name} is the name of a member node; a client needs a name of its own")
                : null;
        }
        foreach (var entry in View.Entries.Where(e => e.Name == peer.Name))
        {
            if (entry.Creation == peer.Creation && entry.Status == NodeStatus.Dead)
            {
                return new Refusal(RefusalCode.DeclaredDead, $"{peer.Name} (creation {peer.Creation}) was declared dead; a node that was declared dead must restart");
            }
            if (entry.Creation > peer.Creation)
            {
                return new Refusal(RefusalCode.DeclaredDead, $"{peer.Name} (creation {peer.Creation}) was replaced by a newer run (creation {entry.Creation})");
            }
        }
        return null;
    }

    /// <inheritdoc />
    public void OnRefusedAsDead(string peerEndpoint, string reason)
    {
        LogRefusedAsDead(_logger, peerEndpoint, reason);
        _ = OnSelfDeclaredDeadAsync();
    }

    /// <inheritdoc />
    public bool OnFrame(PeerConnection connection, FrameKind kind, ReadOnlySequence<byte> payload)
    {
        switch (kind)
        {
            case FrameKind.MembershipGossip:
                if (Deserialize(payload) is MembershipTableData data)
                {
                    Apply(data);
                    // Confirm once applied, so a joining node knows this one routes by a view that has it.
                    var ack = FrameBuilder.Start(FrameKind.MembershipGossipAck);
                    ack.WriteInt64(Math.Max(data.Version, View.Version));
                    if (!connection.Send(ack))
                    {
                        ack.Release();
                    }
                }
                return true;
            case FrameKind.ClusterViewSubscribe:
                _gateway.Subscribe(connection, () => View);
                return true;
            case FrameKind.MembershipGossipAck:
                OnGossipAcknowledged(connection.Remote.Name, new FrameReader(payload).ReadInt64());
                return true;
            case FrameKind.MembershipRequest when _tableServer is not null:
                _tableServer.OnRequest(connection, payload);
                return true;
            case FrameKind.MembershipResponse when _table is RemoteMembershipTable remote:
                remote.OnResponse(payload);
                return true;
            default:
                return false;
        }
    }

    private object? Deserialize(ReadOnlySequence<byte> payload)
    {
        try
        {
            return _distribution.Serializer.Deserialize(payload);
        }
        catch (Exception e) when (e is JsonException or NotSupportedException)
        {
            throw new FrameProtocolException($"A membership frame could not be read: {e.Message}");
        }
    }

    // ------------------------------------------------------------------------------------------------------------

    private async Task RetryAsync(string what, Func<Task> operation, CancellationToken cancellationToken)
    {
        var delay = _options.MinRetryDelay;
        while (true)
        {
            try
            {
                await operation().ConfigureAwait(false);
                return;
            }
            catch (MembershipUnavailableException e)
            {
                LogUnavailable(e.Message, what);
            }
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxRetryDelay.Ticks));
        }
    }

    private void LogUnavailable(string why, string? waitingTo = null)
    {
        if (Interlocked.Exchange(ref _unavailableLogged, 1) == 0)
        {
            LogTableUnavailable(_logger, why, waitingTo ?? "read or write membership");
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _stopping.Cancel();
        try
        {
            await Task.WhenAll(_loops).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }
        if (_table is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync().ConfigureAwait(false);
        }
        _writes.Dispose();
    }

    [LoggerMessage(EventId = 600, Level = LogLevel.Information, Message = "{Node} joined the cluster ({Count} active nodes)")]
    private static partial void LogJoined(ILogger logger, NodeName node, int count);

    [LoggerMessage(EventId = 601, Level = LogLevel.Warning, Message = "Joining: cannot reach active nodes {Nodes} yet; voting against them and retrying")]
    private static partial void LogJoinWaiting(ILogger logger, string nodes);

    [LoggerMessage(EventId = 602, Level = LogLevel.Debug, Message = "Probe of {Node} missed ({Missed} in a row)")]
    private static partial void LogProbeMissed(ILogger logger, NodeName node, int missed);

    [LoggerMessage(EventId = 603, Level = LogLevel.Information, Message = "The connection to {Node} was lost and {Attempts} immediate probes failed: voting against it")]
    private static partial void LogConnectionLossConfirmed(ILogger logger, NodeName node, int attempts);

    [LoggerMessage(EventId = 604, Level = LogLevel.Information, Message = "Voted against {Node} ({Votes} of {Required} votes needed to declare it dead)")]
    private static partial void LogVoted(ILogger logger, NodeName node, int votes, int required);

    [LoggerMessage(EventId = 605, Level = LogLevel.Warning, Message = "Declared {Node} (creation {Creation}) dead with {Votes} of {Required} votes")]
    private static partial void LogDeclaredDead(ILogger logger, NodeName node, long creation, int votes, int required);

    [LoggerMessage(Level = LogLevel.Information, Message = "Not voting against {Node}: this node is cut off from the majority of the cluster, which judges for itself")]
    private static partial void LogNotVotingWhileCutOff(ILogger logger, NodeName node);

    [LoggerMessage(EventId = 606, Level = LogLevel.Critical, Message = "{Node} (creation {Creation}) was declared dead by the cluster: stopping. Restart it to rejoin as a new creation.")]
    private static partial void LogSelfDeclaredDead(ILogger logger, NodeName node, long creation);

    [LoggerMessage(EventId = 607, Level = LogLevel.Error, Message = "The membership table is unavailable ({Why}); waiting to {What}. Running nodes keep serving messages; nobody is declared dead and no node joins until it is back.")]
    private static partial void LogTableUnavailable(ILogger logger, string why, string what);

    [LoggerMessage(EventId = 608, Level = LogLevel.Information, Message = "The membership table is reachable again")]
    private static partial void LogAvailableAgain(ILogger logger);

    [LoggerMessage(EventId = 609, Level = LogLevel.Warning, Message = "Replacing an older run of {Node} (creation {Creation}): declaring it dead")]
    private static partial void LogReplacingOlderCreation(ILogger logger, NodeName node, long creation);

    [LoggerMessage(EventId = 611, Level = LogLevel.Critical, Message = "The node at {Endpoint} refused this node as dead: {Reason}")]
    private static partial void LogRefusedAsDead(ILogger logger, string endpoint, string reason);

    [LoggerMessage(EventId = 610, Level = LogLevel.Warning, Message = "Leaving: could not write {Status}: {Why}")]
    private static partial void LogLeaveWriteFailed(ILogger logger, NodeStatus status, string why);
}
