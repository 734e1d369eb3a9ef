using ProcessGrid.Runtime.Global;

using static ProcessGrid.Tests.Global.GlobalScenarios;

namespace ProcessGrid.Tests.Global;

/// <summary>
/// Erlang's <c>global</c> across real nodes on a real PostgreSQL: one holder per name cluster-wide, lookups from every
/// node, release on exit and on node loss, conflicts decided by resolve methods, and locks.
/// </summary>
public sealed class GlobalRegistryTests(PostgresServerFixture postgres) : IClassFixture<PostgresServerFixture>
{
    private async Task<TestCluster> ClusterAsync(int nodes) =>
        await TestCluster.StartAsync(nodes, await postgres.Server.CreateDatabaseAsync());

    [Fact]
    public async Task A_name_registered_on_one_node_is_found_sent_to_and_called_from_every_node_and_unregistered_from_any()
    {
        await using var cluster = await ClusterAsync(3);
        var probe = Probe.Spawn(cluster[0]);

        Assert.True(await cluster[0].Global.Register("cache", probe.Pid));

        Assert.Equal(probe.Pid, cluster[0].Global.Whereis("cache")); // the registering node reads its own write at once
        await Sees(cluster[1], "cache", probe.Pid);
        await Sees(cluster[2], "cache", probe.Pid);
        Assert.Contains("cache", cluster[2].Global.Registered());
        cluster[2].Global.Send("cache", "hello from n3");
        await probe.ExpectNext("hello from n3");

        Assert.True(await cluster[1].Global.Unregister("cache"));
        Assert.Null(cluster[1].Global.Whereis("cache"));
        await Sees(cluster[0], "cache", null);
        await Sees(cluster[2], "cache", null);
        Assert.False(await cluster[1].Global.Unregister("cache"));
        var missing = Assert.Throws<NameNotRegisteredException>(() => cluster[2].Global.Send("cache", "lost"));
        Assert.Contains("global name 'cache'", missing.Message);
    }

    [Fact]
    public async Task A_holder_stops_being_watched_for_a_name_unregistered_from_another_node_or_registered_again()
    {
        await using var cluster = await ClusterAsync(2);
        var holder = await WaitingProcess(cluster[0]);
        var cell = cluster[0].Router.FindSpawned(holder)!;

        for (var i = 0; i < 5; i++)
        {
            Assert.True(await cluster[0].Global.Register("again", holder)); // granted again to its holder: still one watch
        }
        Assert.Equal(1, cell.WatcherCount);

        Assert.True(await cluster[0].Global.Register("elsewhere", holder));
        await Sees(cluster[1], "elsewhere", holder);
        Assert.True(await cluster[1].Global.Unregister("elsewhere"));
        Assert.True(await cluster[1].Global.Unregister("again"));

        // The holder's node hears of both ends and drops its watches: nothing stays on a process that holds no name.
        await TestNode.Eventually(() => cell.WatcherCount == 0, "the holder to carry no watch for names it no longer holds", Liveness);
        Assert.Null(cluster[0].Global.Whereis("elsewhere"));
        Assert.True(await cluster[0].Global.Register("elsewhere", holder)); // and it can take the name again
    }

    [Fact]
    public async Task A_claim_whose_answer_never_reached_its_node_is_still_released_when_its_holder_exits_or_at_once_if_it_has()
    {
        await using var cluster = await ClusterAsync(2);
        var table = ((GlobalRegistry)cluster[0].Global).Table!;
        var holder = await WaitingProcess(cluster[0]);
        var ghost = cluster[0].Spawn(_ => Task.CompletedTask);
        await cluster[0].WhenExited(ghost);

        // Straight to the table, as a claim that committed while its answer was lost: the registry never hears the answer.
        Assert.Equal(GlobalClaimStatus.Granted, (await table.ClaimAsync(GlobalKind.Name, "orphan", holder, null, TestContext.Current.CancellationToken)).Status);
        Assert.Equal(GlobalClaimStatus.Granted, (await table.ClaimAsync(GlobalKind.Name, "ghost", ghost, null, TestContext.Current.CancellationToken)).Status);
        await Sees(cluster[1], "orphan", holder);

        // The holder's node heard the claims from the table: it watches the live holder, and ends the claim of the dead one.
        var heir = await WaitingProcess(cluster[1]);
        await TestNode.EventuallyAsync(async () => await cluster[1].Global.Register("ghost", heir), "the dead holder's claim to be ended", Liveness);
        cluster[0].Send(holder, "stop");
        await Sees(cluster[1], "orphan", null);
        await Sees(cluster[0], "orphan", null);
        Assert.True(await cluster[1].Global.Register("orphan", heir));
    }

    [Fact]
    public async Task A_taken_name_is_refused_to_others_and_granted_again_to_its_holder()
    {
        await using var cluster = await ClusterAsync(2);
        var holder = await WaitingProcess(cluster[0]);
        var other = await WaitingProcess(cluster[1]);

        Assert.True(await cluster[0].Global.Register("leader", holder));
        Assert.False(await cluster[1].Global.Register("leader", other));
        Assert.True(await cluster[0].Global.Register("leader", holder));
        Assert.Equal(holder, cluster[1].Global.Whereis("leader"));
        Assert.NotNull(cluster[1].GetProcessInfo(other)); // the refused claimant is left alone
    }

    [Fact]
    public async Task Of_many_processes_racing_for_one_name_on_three_nodes_exactly_one_wins_and_all_nodes_agree()
    {
        await using var cluster = await ClusterAsync(3);
        await ManyRaceForOneName(cluster);
    }

    [Fact]
    public async Task Hundreds_of_claims_and_releases_in_flight_at_once_keep_one_holder_per_name()
    {
        // Concurrent writes of a node travel to the table together: this floods every node with claims of the same names
        // (several per name per node, so one batch holds rivals), then ends every holder at once while the rest claim again.
        await using var cluster = await ClusterAsync(3);
        var names = Enumerable.Range(0, 150).Select(i => $"flood-{i}").ToArray();
        var claimants = new List<(ProcessNode Node, string Name, Pid Pid)>();
        foreach (var node in cluster.Nodes)
        {
            foreach (var name in names)
            {
                claimants.Add((node, name, node.Spawn(async ctx => await ctx.Receive<string>(m => m == "stop"))));
                claimants.Add((node, name, node.Spawn(async ctx => await ctx.Receive<string>(m => m == "stop"))));
            }
        }

        var won = await Task.WhenAll(claimants.Select(c => c.Node.Global.Register(c.Name, c.Pid).AsTask()));

        var holders = claimants.Where((_, i) => won[i]).ToList();
        Assert.Equal(names.Order(), holders.Select(h => h.Name).Order()); // exactly one winner per name
        foreach (var node in cluster.Nodes)
        {
            await TestNode.Eventually(() => holders.All(h => node.Global.Whereis(h.Name) == h.Pid), $"{node.Node} to see every winner", Liveness);
        }

        // Every holder exits (their releases go out together) while every loser keeps claiming its name until one gets it.
        foreach (var holder in holders)
        {
            holder.Node.Send(holder.Pid, "stop");
        }
        var losers = claimants.Where((_, i) => !won[i]).ToList();
        var ended = holders.Select(h => h.Pid).ToHashSet();
        var heirs = await Task.WhenAll(losers.Select(async loser =>
        {
            var deadline = DateTime.UtcNow + Liveness;
            while (DateTime.UtcNow < deadline)
            {
                if (await loser.Node.Global.Register(loser.Name, loser.Pid))
                {
                    return true;
                }
                // Refused: the node's copy now names the holder the table gave. An old one is on its way out; a new one won.
                if (loser.Node.Global.Whereis(loser.Name) is { } holder && !ended.Contains(holder))
                {
                    return false;
                }
                await Task.Yield();
            }
            throw new TimeoutException($"{loser.Name} was neither released nor taken over within {Liveness}.");
        }));

        var successors = losers.Where((_, i) => heirs[i]).ToList();
        Assert.Equal(names.Order(), successors.Select(s => s.Name).Order()); // one heir per name, never two
        foreach (var node in cluster.Nodes)
        {
            await TestNode.Eventually(() => successors.All(s => node.Global.Whereis(s.Name) == s.Pid), $"{node.Node} to see every heir", Liveness);
        }
    }

    [Fact]
    public async Task A_name_is_released_when_its_process_exits_and_can_then_be_taken_on_another_node()
    {
        await using var cluster = await ClusterAsync(2);
        var first = await WaitingProcess(cluster[0]);
        Assert.True(await cluster[0].Global.Register("worker", first));
        await Sees(cluster[1], "worker", first);

        cluster[0].Send(first, "stop");

        await Sees(cluster[1], "worker", null);
        var second = await WaitingProcess(cluster[1]);
        await TestNode.EventuallyAsync(async () => await cluster[1].Global.Register("worker", second), "the name to be free in the table", Liveness);
        await Sees(cluster[0], "worker", second);
    }

    [Fact]
    public async Task The_names_of_a_node_that_leaves_are_released_everywhere_and_can_be_registered_again()
    {
        await using var cluster = await ClusterAsync(3);
        var doomed = await WaitingProcess(cluster[2]);
        Assert.True(await cluster[2].Global.Register("session", doomed));
        await Sees(cluster[0], "session", doomed);

        await cluster[2].StopAsync(TestContext.Current.CancellationToken);

        await Sees(cluster[0], "session", null);
        await Sees(cluster[1], "session", null);
        var heir = await WaitingProcess(cluster[1]);
        Assert.True(await cluster[1].Global.Register("session", heir));
        await Sees(cluster[0], "session", heir);
    }

    [Fact]
    public async Task Random_exit_name_keeps_one_claimant_and_kills_the_other_when_two_claims_meet()
    {
        await using var cluster = await ClusterAsync(2);
        var a = await WaitingProcess(cluster[0]);
        var b = await WaitingProcess(cluster[1]);
        var exits = new Dictionary<Pid, Task<ExitReason>> { [a] = cluster[0].WhenExited(a), [b] = cluster[1].WhenExited(b) };
        Assert.True(await cluster[0].Global.Register("contested", a, GlobalResolve.RandomExitName));

        var bWon = await ((GlobalRegistry)cluster[1].Global).Register("contested", b, GlobalResolve.RandomExitName, unaware: true);

        var (winner, loser) = bWon ? (b, a) : (a, b);
        Assert.Equal(ExitReason.Killed, await exits[loser].Within("the loser to be killed", Liveness));
        await Sees(cluster[0], "contested", winner);
        await Sees(cluster[1], "contested", winner);
        Assert.NotNull(cluster[bWon ? 1 : 0].GetProcessInfo(winner));
    }

    [Fact]
    public async Task Random_notify_name_keeps_one_claimant_and_tells_the_other_it_lost()
    {
        await using var cluster = await ClusterAsync(2);
        var a = Probe.Spawn(cluster[0]);
        var b = Probe.Spawn(cluster[1]);
        Assert.True(await cluster[0].Global.Register("contested", a.Pid, GlobalResolve.RandomNotifyName));

        var bWon = await ((GlobalRegistry)cluster[1].Global).Register("contested", b.Pid, null, unaware: true);

        var (winner, loser) = bWon ? (b, a) : (a, b);
        Assert.Equal(new GlobalNameConflict("contested", null), await loser.Expect<GlobalNameConflict>());
        await Sees(cluster[0], "contested", winner.Pid);
        await Sees(cluster[1], "contested", winner.Pid);
    }

    [Fact]
    public async Task Notify_all_names_frees_the_name_and_tells_both_claimants_about_each_other()
    {
        await using var cluster = await ClusterAsync(2);
        var a = Probe.Spawn(cluster[0]);
        var b = Probe.Spawn(cluster[1]);
        Assert.True(await cluster[0].Global.Register("contested", a.Pid, GlobalResolve.NotifyAllNames));

        Assert.False(await ((GlobalRegistry)cluster[1].Global).Register("contested", b.Pid, null, unaware: true));

        Assert.Equal(new GlobalNameConflict("contested", b.Pid), await a.Expect<GlobalNameConflict>());
        Assert.Equal(new GlobalNameConflict("contested", a.Pid), await b.Expect<GlobalNameConflict>());
        await Sees(cluster[0], "contested", null);
        await Sees(cluster[1], "contested", null);
    }

    [Fact]
    public async Task A_user_defined_resolver_added_on_the_nodes_decides_and_a_missing_one_is_a_clear_error()
    {
        await using var cluster = await ClusterAsync(2);
        var a = await WaitingProcess(cluster[0]);
        var b = await WaitingProcess(cluster[1]);
        foreach (var node in cluster.Nodes)
        {
            node.Global.AddResolver("newest-wins", (_, _, claimant) => claimant);
        }
        Assert.True(await cluster[0].Global.Register("contested", a, GlobalResolve.Named("newest-wins")));

        Assert.True(await ((GlobalRegistry)cluster[1].Global).Register("contested", b, null, unaware: true));
        await Sees(cluster[0], "contested", b);
        Assert.NotNull(cluster[0].GetProcessInfo(a)); // a user-defined resolver leaves the loser alone

        Assert.True(await cluster[1].Global.Register("other", b, GlobalResolve.Named("unknown-method")));
        var c = await WaitingProcess(cluster[0]);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
            await ((GlobalRegistry)cluster[0].Global).Register("other", c, null, unaware: true));
        Assert.Equal(b, cluster[1].Global.Whereis("other"));
        Assert.Contains("AddResolver", error.Message);
    }

    [Fact]
    public async Task A_claim_that_knew_the_holder_gets_false_and_harms_nobody_whatever_the_method()
    {
        await using var cluster = await ClusterAsync(2);
        var a = await WaitingProcess(cluster[0]);
        var b = await WaitingProcess(cluster[1]);
        Assert.True(await cluster[0].Global.Register("known", a, GlobalResolve.RandomExitName));
        await Sees(cluster[1], "known", a);

        Assert.False(await cluster[1].Global.Register("known", b, GlobalResolve.RandomExitName));

        Assert.NotNull(cluster[0].GetProcessInfo(a));
        Assert.NotNull(cluster[1].GetProcessInfo(b));
        Assert.Equal(a, cluster[1].Global.Whereis("known"));
    }

    [Fact]
    public async Task A_lock_is_held_by_one_process_at_a_time_and_passes_on_at_release_and_at_the_holders_exit()
    {
        await using var cluster = await ClusterAsync(3);
        await LockPassesOn(cluster);
    }

    [Fact]
    public async Task A_transaction_runs_under_the_lock_and_one_that_cannot_get_it_in_time_does_not_run()
    {
        await using var cluster = await ClusterAsync(2);
        var a = await WaitingProcess(cluster[0]);
        var b = await WaitingProcess(cluster[1]);

        var inside = await cluster[0].Global.Transaction("account", a, async () =>
        {
            var blocked = await Record.ExceptionAsync(() => cluster[1].Global.Transaction("account", b, () => Task.FromResult(0), TimeSpan.FromMilliseconds(200)));
            Assert.IsType<TimeoutException>(blocked);
            return "ran";
        }, TimeSpan.FromSeconds(5));

        Assert.Equal("ran", inside);
        Assert.Equal(7, await cluster[1].Global.Transaction("account", b, () => Task.FromResult(7), Liveness));
    }

    [Fact]
    public async Task Bad_input_is_refused_with_a_clear_error_and_changes_nothing()
    {
        await using var cluster = await ClusterAsync(2);
        var remote = await WaitingProcess(cluster[1]);

        var notLocal = await Assert.ThrowsAsync<ArgumentException>(async () => await cluster[0].Global.Register("x", remote));
        Assert.Contains("not a live process of this node", notLocal.Message);
        var dead = await cluster[0].DeadProcess();
        await Assert.ThrowsAsync<ArgumentException>(async () => await cluster[0].Global.Register("x", dead));
        await Assert.ThrowsAsync<ArgumentException>(async () => await cluster[0].Global.Register(new string('n', GlobalRegistry.MaxNameLength + 1), remote));
        Assert.Null(cluster[1].Global.Whereis("x"));
        var noproc = await Assert.ThrowsAsync<CallException>(async () => await cluster[0].Global.Call<int>("x", 1));
        Assert.Equal(ExitReason.NoProc, noproc.Reason);
    }

    [Fact]
    public async Task With_the_database_down_claims_fail_clearly_lookups_keep_answering_and_claims_work_again_when_it_is_back()
    {
        var server = postgres.Server;
        await using var cluster = await ClusterAsync(2);
        var a = await WaitingProcess(cluster[0]);
        var b = await WaitingProcess(cluster[1]);
        Assert.True(await cluster[0].Global.Register("kept", a));
        await Sees(cluster[1], "kept", a);

        await server.StopServerAsync();
        try
        {
            var error = await Assert.ThrowsAsync<GlobalRegistryUnavailableException>(async () => await cluster[1].Global.Register("new", b));
            Assert.Contains("PostgreSQL", error.Message);
            Assert.Equal(a, cluster[1].Global.Whereis("kept"));
        }
        finally
        {
            await server.StartServerAsync();
        }

        await TestNode.EventuallyAsync(async () =>
        {
            try
            {
                return await cluster[1].Global.Register("new", b);
            }
            catch (GlobalRegistryUnavailableException)
            {
                return false;
            }
        }, "claims to work again", Liveness);
        await Sees(cluster[0], "new", b);
    }

    [Fact]
    public async Task A_node_on_its_own_and_a_development_cluster_have_global_names_without_a_database()
    {
        await using var alone = TestNode.Start();
        var pid = await WaitingProcess(alone);
        Assert.True(await alone.Global.Register("solo", pid));
        Assert.Equal(pid, alone.Global.Whereis("solo"));
        alone.Send(pid, "stop");
        await TestNode.Eventually(() => alone.Global.Whereis("solo") is null, "the name to go with its process");

        // In a development cluster the seed keeps the names (see DevelopmentGlobalTests).
        await using var dev = await TestCluster.StartAsync(2);
        var devPid = await WaitingProcess(dev[1]);
        Assert.True(await dev[1].Global.Register("x", devPid));
        await Sees(dev[0], "x", devPid);
    }
}
