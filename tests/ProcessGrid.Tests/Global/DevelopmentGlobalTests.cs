using System.Buffers;
using System.Collections.Concurrent;
using ProcessGrid.Runtime.Global;
using ProcessGrid.Runtime.Membership;
using ProcessGrid.Runtime.Transport;

using static ProcessGrid.Tests.Global.GlobalScenarios;

namespace ProcessGrid.Tests.Global;

/// <summary>
/// Erlang's <c>global</c> in a development cluster (no database): the seed keeps the global table beside its
/// membership table, and the other nodes reach it over their connections. Real nodes, real sockets.
/// </summary>
public sealed class DevelopmentGlobalTests
{
    /// <summary>Answers every call with what it was asked and who it is.</summary>
    private sealed class Echo : GenServer
    {
        protected override ValueTask<object?> HandleCallAsync(object request, CallFrom from) => new($"{request} answered by {Self}");
    }

    [Fact]
    public async Task Names_registered_on_nodes_that_are_not_the_seed_are_found_sent_to_and_called_from_every_node()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        var (seed, second, third) = (cluster[0], cluster[1], cluster[2]);
        var inbox = Probe.Spawn(second);
        var echo = await third.StartAsync<Echo>();

        Assert.True(await second.Global.Register("inbox", inbox.Pid));
        Assert.True(await third.Global.Register("echo", echo));

        Assert.Equal(inbox.Pid, second.Global.Whereis("inbox")); // the registering node reads its own write at once
        foreach (var node in cluster.Nodes)
        {
            await Sees(node, "inbox", inbox.Pid);
            await Sees(node, "echo", echo);
        }
        seed.Global.Send("inbox", "from the seed");
        third.Global.Send("inbox", "from the third node");
        await inbox.Expect<string>(m => m == "from the seed"); // two senders: no order between them
        await inbox.Expect<string>(m => m == "from the third node");
        Assert.Equal($"ping answered by {echo}", await seed.Global.Call<string>("echo", "ping"));
        Assert.Equal($"pong answered by {echo}", await second.Global.Call<string>("echo", "pong"));
        Assert.Equal(["echo", "inbox"], third.Global.Registered().Order());

        Assert.True(await seed.Global.Unregister("inbox"));
        foreach (var node in cluster.Nodes)
        {
            await Sees(node, "inbox", null);
        }
        Assert.False(await third.Global.Unregister("inbox"));
    }

    [Fact]
    public async Task Of_many_processes_racing_for_one_name_on_all_three_nodes_exactly_one_wins_and_all_nodes_agree()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        await ManyRaceForOneName(cluster);
    }

    [Fact]
    public async Task A_name_is_released_everywhere_when_its_process_exits_and_can_then_be_taken_on_another_node()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        var first = await WaitingProcess(cluster[1]);
        Assert.True(await cluster[1].Global.Register("worker", first));
        var other = await WaitingProcess(cluster[2]);
        Assert.False(await cluster[2].Global.Register("worker", other));

        cluster[1].Send(first, "stop");

        foreach (var node in cluster.Nodes)
        {
            await Sees(node, "worker", null);
        }
        Assert.True(await cluster[2].Global.Register("worker", other));
        await Sees(cluster[0], "worker", other);
        await Sees(cluster[1], "worker", other);
    }

    [Fact]
    public async Task The_names_of_a_node_that_stops_are_released_on_every_node_and_can_be_registered_again()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        var doomed = await WaitingProcess(cluster[2]);
        var lockHolder = await WaitingProcess(cluster[2]);
        Assert.True(await cluster[2].Global.Register("session", doomed));
        Assert.NotNull(await cluster[2].Global.Lock("ledger", lockHolder, Liveness));
        await Sees(cluster[0], "session", doomed);
        await Sees(cluster[1], "session", doomed);

        await cluster[2].StopAsync(TestContext.Current.CancellationToken);

        await Sees(cluster[0], "session", null);
        await Sees(cluster[1], "session", null);
        var heir = await WaitingProcess(cluster[1]);
        Assert.True(await cluster[1].Global.Register("session", heir));
        await Sees(cluster[0], "session", heir);
        var next = await WaitingProcess(cluster[0]);
        Assert.NotNull(await cluster[0].Global.Lock("ledger", next, Liveness));
    }

    [Fact]
    public async Task A_lock_passes_between_nodes_at_its_release_and_at_its_holders_exit_and_guards_a_transaction()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        await LockPassesOn(cluster);
    }

    [Fact]
    public async Task With_the_seed_stopped_a_claim_fails_with_an_error_that_says_so_and_lookups_answer_from_the_local_copy()
    {
        // The other nodes cannot write their leaving to a stopped seed's membership table: they give up after this.
        await using var cluster = await TestCluster.StartAsync(3, configure: o => o.ShutdownTimeout = TimeSpan.FromSeconds(2));
        var kept = await WaitingProcess(cluster[1]);
        Assert.True(await cluster[1].Global.Register("kept", kept));
        await Sees(cluster[2], "kept", kept);
        var claimant = await WaitingProcess(cluster[2]);

        await cluster[0].StopAsync(TestContext.Current.CancellationToken);
        await TestNode.Eventually(() => !cluster[2].Nodes.Contains(cluster[0].Node), "the third node to see the seed gone", Liveness);

        var error = await Assert.ThrowsAsync<GlobalRegistryUnavailableException>(async () => await cluster[2].Global.Register("new", claimant));
        Assert.Contains($"The seed node at {cluster[0].Endpoint} (ProcessGrid:Cluster:Join)", error.Message);
        Assert.Contains("cannot be reached", error.Message);
        Assert.Contains("start it again", error.Message);
        Assert.Equal(kept, cluster[2].Global.Whereis("kept"));
        Assert.Equal(kept, cluster[1].Global.Whereis("kept"));
        cluster[2].Global.Send("kept", "stop"); // and sends by name still reach the holder
        await TestNode.Eventually(() => cluster[1].GetProcessInfo(kept) is null, "the holder to get the message and stop", Liveness);
    }

    [Fact]
    public async Task A_lost_connection_to_the_seed_is_followed_by_a_new_subscription_so_no_change_is_missed_for_good()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        var before = await WaitingProcess(cluster[1]);
        Assert.True(await cluster[1].Global.Register("before", before));
        await Sees(cluster[2], "before", before);

        // The third node's connection to the seed closes; the others change the names meanwhile.
        Assert.True(cluster[2].Disconnect(cluster[0].Node));
        cluster[1].Send(before, "stop");
        var after = await WaitingProcess(cluster[1]);
        Assert.True(await cluster[1].Global.Register("after", after));

        await Sees(cluster[2], "before", null);
        await Sees(cluster[2], "after", after);
        var own = await WaitingProcess(cluster[2]);
        await TestNode.EventuallyAsync(async () => await cluster[2].Global.Register("own", own), "a claim from the reconnected node", Liveness);
        await Sees(cluster[0], "own", own);
    }

    [Fact]
    public async Task Requests_the_seed_does_not_know_or_that_reach_a_node_that_is_not_the_seed_are_answered_with_an_error_that_says_why()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        await cluster.FullyConnected();
        var toSeed = cluster[1].Distribution!.Transport.Find(cluster[0].Node)!;
        var toThird = cluster[1].Distribution!.Transport.Find(cluster[2].Node)!;

        Assert.True(toSeed.Send(RawRequest(correlation: -1, op: 99)));
        Assert.True(toThird.Send(DevelopmentGlobalProtocol.ReleaseNode(-2, cluster[0].Node, 1)));

        await cluster.Log.WaitFor($"request -1, {cluster[0].Node} does not know global table operation 99");
        await cluster.Log.WaitFor($"request -2, {cluster[2].Node} does not keep the global table: it is not the seed of a development cluster");
        Assert.True(toSeed.IsOpen);
        Assert.True(toThird.IsOpen);
    }

    [Fact]
    public async Task A_malformed_global_frame_closes_only_its_connection_with_the_reason_and_the_node_subscribes_again()
    {
        // Three nodes: the closed connection alone cannot get a node declared dead (that takes two votes here).
        await using var cluster = await TestCluster.StartAsync(3);
        var toSeed = cluster[1].Distribution!.Transport.Find(cluster[0].Node)!;
        var frame = RawRequest(correlation: 5, op: (byte)DevelopmentGlobalProtocol.Operation.Claim);
        frame.WriteByte(7); // not a kind: neither a name nor a lock

        Assert.True(toSeed.Send(frame));

        await cluster.Log.WaitFor("A global table frame holds an unknown kind 7 (neither a name nor a lock)", Liveness);
        await toSeed.Closed.Within("the connection that carried the malformed frame to close", Liveness);
        var pid = await WaitingProcess(cluster[1]);
        await TestNode.EventuallyAsync(async () =>
        {
            try
            {
                return await cluster[1].Global.Register("afterwards", pid);
            }
            catch (GlobalRegistryUnavailableException)
            {
                return false; // a claim that was on the closing connection
            }
        }, "claims to work again over a new connection", Liveness);
        await Sees(cluster[0], "afterwards", pid);
    }

    [Fact]
    public async Task Frames_that_do_not_parse_are_refused_with_what_is_wrong()
    {
        await using var node = TestNode.Start();
        var truncated = RawRequest(correlation: 1, op: (byte)DevelopmentGlobalProtocol.Operation.ReleaseNode);
        var notAPid = DevelopmentGlobalProtocol.Change(1, new GlobalChange(true, GlobalKind.Name, "n", "not a pid", 1, null));
        var trailing = DevelopmentGlobalProtocol.Subscribe(1);
        trailing.WriteByte(0);

        Assert.Contains("ended before", Assert.Throws<FrameProtocolException>(() => DevelopmentGlobalProtocol.ReadRequest(Payload(truncated), node)).Message);
        Assert.Contains("'not a pid' where a pid belongs", Assert.Throws<FrameProtocolException>(() => DevelopmentGlobalProtocol.ReadChange(Payload(notAPid))).Message);
        Assert.Contains("more bytes than its fields", Assert.Throws<FrameProtocolException>(() => DevelopmentGlobalProtocol.ReadRequest(Payload(trailing), node)).Message);
        foreach (var frame in new[] { truncated, notAPid, trailing })
        {
            frame.Release();
        }
    }

    [Fact]
    public async Task The_seeds_table_is_fenced_by_its_membership_table_a_dead_node_claims_nothing_and_holds_nothing()
    {
        var membership = new InMemoryMembershipTable();
        var table = new InMemoryGlobalTable(membership);
        var (a, b) = (NodeName.Parse("a@localhost"), NodeName.Parse("b@localhost"));
        Assert.True(await membership.InsertAsync(Member(a, 1, NodeStatus.Active), 0, TestContext.Current.CancellationToken));
        Assert.True(await membership.InsertAsync(Member(b, 2, NodeStatus.Joining), 1, TestContext.Current.CancellationToken));
        var (onA, onB) = (Pid.ForSpawned(a, 1, 5), Pid.ForSpawned(b, 2, 6));
        var heard = new Heard();
        table.Watch(heard);

        var first = table.Claim(GlobalKind.Name, "x", onA, null);
        Assert.Equal(GlobalClaimStatus.Granted, first.Status);
        Assert.Equal(GlobalClaimStatus.Taken, table.Claim(GlobalKind.Name, "x", onB, null).Status); // a joining node may claim
        Assert.True(await membership.UpdateAsync(Member(a, 1, NodeStatus.Dead), 2, TestContext.Current.CancellationToken));

        Assert.Equal(GlobalClaimStatus.NotAMember, table.Claim(GlobalKind.Name, "y", onA, null).Status);
        Assert.Null(table.Replace(GlobalKind.Name, "x", first.Seq, onA, null));
        var late = new Heard();
        table.Watch(late);
        Assert.Empty(late.Snapshot!); // the dead node's name is left out
        var taken = table.Claim(GlobalKind.Name, "x", onB, null);
        Assert.Equal(GlobalClaimStatus.Granted, taken.Status); // and the next claim replaces it
        Assert.Equal(
            [
                new GlobalChange(true, GlobalKind.Name, "x", onA.ToString(), first.Seq, null),
                new GlobalChange(false, GlobalKind.Name, "x", onA.ToString(), first.Seq, null),
                new GlobalChange(true, GlobalKind.Name, "x", onB.ToString(), taken.Seq, null),
            ],
            heard.Changes);
        Assert.Equal(heard.Changes.Skip(1), late.Changes);
    }

    [Fact]
    public async Task No_claim_of_a_node_commits_after_the_membership_write_that_declares_it_dead()
    {
        var membership = new InMemoryMembershipTable();
        var table = new InMemoryGlobalTable(membership);
        var node = NodeName.Parse("doomed@localhost");
        Assert.True(await membership.InsertAsync(Member(node, 1, NodeStatus.Active), 0, TestContext.Current.CancellationToken));
        // Observers hear each change as it commits: this one checks, at that moment, what membership says of the claimant.
        var afterDeath = new ConcurrentQueue<GlobalChange>();
        table.Watch(new AtCommit(change =>
        {
            if (change.Claimed && membership.ReadAllAsync(CancellationToken.None).Result.Entries.Single().Status == NodeStatus.Dead)
            {
                afterDeath.Enqueue(change);
            }
        }));
        using var stop = new CancellationTokenSource();
        var granted = 0;
        var claimants = Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                if (table.Claim(GlobalKind.Name, $"{t}-{i}", Pid.ForSpawned(node, 1, i + 1), null).Status == GlobalClaimStatus.Granted)
                {
                    Interlocked.Increment(ref granted);
                }
            }
        })).ToList();
        await TestNode.Eventually(() => Volatile.Read(ref granted) >= 100, "the claimants to be under way");

        Assert.True(await membership.UpdateAsync(Member(node, 1, NodeStatus.Dead), 1, TestContext.Current.CancellationToken));
        var refused = table.Claim(GlobalKind.Name, "after", Pid.ForSpawned(node, 1, 1), null);
        await stop.CancelAsync();
        await Task.WhenAll(claimants);

        Assert.Equal(GlobalClaimStatus.NotAMember, refused.Status);
        Assert.Empty(afterDeath);
    }

    private static FrameBuilder RawRequest(long correlation, byte op)
    {
        var frame = FrameBuilder.Start(FrameKind.GlobalRequest);
        frame.WriteInt64(correlation);
        frame.WriteByte(op);
        return frame;
    }

    private static ReadOnlySequence<byte> Payload(FrameBuilder frame) => new(frame.Payload);

    private static MembershipEntry Member(NodeName name, long creation, NodeStatus status) =>
        new(name, creation, "127.0.0.1:1", status, [], DateTimeOffset.UtcNow, DateTimeOffset.UtcNow);

    /// <summary>Records what a table reports: its snapshot and its changes, in order.</summary>
    private sealed class Heard : IGlobalTableObserver
    {
        public IReadOnlyList<GlobalChange>? Snapshot { get; private set; }

        public List<GlobalChange> Changes { get; } = [];

        public void OnSnapshot(IReadOnlyList<GlobalChange> claims) => Snapshot = claims;

        public void OnChange(in GlobalChange change) => Changes.Add(change);
    }

    /// <summary>Runs an action on each change, at its commit.</summary>
    private sealed class AtCommit(Action<GlobalChange> action) : IGlobalTableObserver
    {
        public void OnSnapshot(IReadOnlyList<GlobalChange> claims)
        {
        }

        public void OnChange(in GlobalChange change) => action(change);
    }
}
