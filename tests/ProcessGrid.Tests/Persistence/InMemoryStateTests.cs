using ProcessGrid.Runtime.Persistence;

namespace ProcessGrid.Tests.Persistence;

/// <summary>
/// Persistent state on a node without a database: kept in the node's memory, with the same versions and refusals as
/// in PostgreSQL, and a log line that says it does not survive the node.
/// </summary>
public sealed class InMemoryStateTests
{
    [Fact]
    public async Task Without_a_database_state_is_kept_in_memory_and_the_node_says_it_does_not_survive_the_node()
    {
        var log = new CapturedLog();
        await using var node = ProcessNode.Start(new() { NodeName = "memory@localhost" }, loggerFactory: TestLogging.Factory(log));
        var tally = node.Virtual<Tally>("t");

        var written = await node.Call<TallyView>(tally, new Tally.Add(3, "first"));

        Assert.Equal((3L, 1L, true), (written.Count, written.Version, written.RecordExists));
        var line = await log.WaitFor("kept in this node's memory only");
        Assert.Contains("[Warning]", line);
        Assert.Contains("does not survive the node", line);
        Assert.Contains("ProcessGrid:Cluster:Database", line);
    }

    [Fact]
    public async Task State_written_in_memory_reads_back_after_deactivation_and_reactivation_but_not_on_another_node()
    {
        await using var node = TestNode.Start(o =>
        {
            o.VirtualProcessIdleTimeout = TimeSpan.FromMilliseconds(100);
            o.VirtualProcessCollectionQuantum = TimeSpan.FromMilliseconds(50);
        });
        var tally = node.Virtual<Tally>("t");
        await node.Call<TallyView>(tally, new Tally.Add(2, "a"));
        await node.Call<TallyView>(tally, new Tally.Add(5, "b"));
        await TestNode.Eventually(() => !node.Processes().Contains(tally), "the idle activation to be deactivated");

        var loaded = await node.Call<TallyView>(tally, new Tally.SeenAtInit());

        Assert.Equal(7, loaded.Count);
        Assert.Equal(["a", "b"], loaded.Notes);
        Assert.Equal(2, loaded.Version);
        Assert.True(loaded.RecordExists);

        // Another node (a restart, say) has its own memory: the state did not survive.
        await using var other = TestNode.Start();
        var fresh = await other.Call<TallyView>(other.Virtual<Tally>("t"), new Tally.SeenAtInit());
        Assert.Equal((0L, 0L, false), (fresh.Count, fresh.Version, fresh.RecordExists));
    }

    [Fact]
    public async Task A_clear_in_memory_resets_the_state_and_moves_the_version_on()
    {
        await using var node = TestNode.Start();
        var tally = node.Virtual<Tally>("t");
        await node.Call<TallyView>(tally, new Tally.Add(4));

        var cleared = await node.Call<TallyView>(tally, new Tally.Reset());
        var reread = await node.Call<TallyView>(tally, new Tally.Reread());

        Assert.Equal((0L, 2L, false), (cleared.Count, cleared.Version, cleared.RecordExists));
        Assert.Equal((0L, 2L, false), (reread.Count, reread.Version, reread.RecordExists));
        Assert.Equal(3, (await node.Call<TallyView>(tally, new Tally.Add(1))).Version);
    }

    [Fact]
    public async Task The_memory_store_refuses_a_writer_whose_version_is_stale_and_keeps_what_it_holds()
    {
        var store = new InMemoryStateStore(NodeName.Parse("a@localhost"), TimeProvider.System);
        var id = new StateId("kind", "key", "state");
        var ct = TestContext.Current.CancellationToken;

        Assert.Equal(1, (await store.WriteAsync(id, 0, "1", "t", ct)).Version);
        var stale = await store.WriteAsync(id, 0, "2", "t", ct);
        var ahead = await store.WriteAsync(id, 5, "3", "t", ct);
        var missing = await store.WriteAsync(id with { Key = "other" }, 1, "4", "t", ct);

        Assert.False(stale.Written);
        Assert.Equal(1, stale.Stored!.Version);
        Assert.False(ahead.Written);
        Assert.False(missing.Written);
        Assert.Null(missing.Stored);
        Assert.Equal(("1", 1L, "a@localhost"), ((await store.ReadAsync(id, ct))!.Payload, (await store.ReadAsync(id, ct))!.Version, (await store.ReadAsync(id, ct))!.WrittenBy));
        Assert.Null(await store.ReadAsync(id with { Key = "other" }, ct));
    }

    [Fact]
    public async Task Two_named_states_of_one_process_are_kept_apart()
    {
        await using var node = TestNode.Start();
        var profile = node.Virtual<Profile>("p");

        await node.Call<string>(profile, new Profile.Visit());
        await node.Call<string>(profile, new Profile.Visit());
        var shown = await node.Call<string>(profile, new Profile.Rename("Joe"));

        Assert.Equal("Joe visited 2 times (versions 1/2)", shown);
    }

    [Fact]
    public async Task A_state_that_cannot_be_serialized_fails_the_write_with_a_message_naming_it_and_nothing_is_stored()
    {
        await using var node = TestNode.Start();
        var holder = node.Virtual<CallbackHolder>("c");

        var error = await Assert.ThrowsAsync<CallException>(async () => await node.Call<long>(holder, "store"));

        Assert.Equal(typeof(InvalidOperationException).FullName, error.Reason.ExceptionType);
        Assert.Contains("the state 'state' of <persistence-callback/c> cannot be stored", error.Reason.Detail);
        Assert.Contains("$.Callback", error.Reason.Detail); // The member at fault.
        Assert.Contains("Nothing was written", error.Reason.Detail);
        Assert.Equal(0L, await node.Call<long>(holder, "read"));
    }
}
