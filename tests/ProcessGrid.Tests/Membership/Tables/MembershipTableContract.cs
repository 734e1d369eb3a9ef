using ProcessGrid.Runtime.Membership;
using static ProcessGrid.Tests.Membership.Tables.MembershipRows;

namespace ProcessGrid.Tests.Membership.Tables;

/// <summary>
/// What every membership table must do (<see cref="IMembershipTable"/>), run against each implementation by a subclass:
/// initialization that is safe to repeat and to race, rows that read back whole, compare-and-swap on the version for
/// inserts and updates (a failed write writes nothing; of racing writers exactly one wins), the I-am-alive write that
/// leaves the version alone, defunct cleanup of old dead rows only, and clusters that do not see each other.
/// </summary>
public abstract class MembershipTableContract : IAsyncLifetime
{
    /// <summary>Nodes started together in the racing tests.</summary>
    private const int RacingNodes = 16;

    /// <summary>Nodes initializing one table at once.</summary>
    private const int InitializingNodes = 8;

    private static readonly SuspectVote[] NoVotes = [];

    /// <summary>The test's cancellation.</summary>
    protected static CancellationToken Cancel => TestContext.Current.CancellationToken;

    /// <summary>
    /// A table of <paramref name="clusterId"/>, as one node would open it. Tables opened for one cluster in one test see
    /// the same rows (the nodes of a cluster share one store); the subclass disposes them after the test.
    /// </summary>
    private protected abstract IMembershipTable OpenTable(string clusterId);

    /// <inheritdoc />
    public virtual ValueTask InitializeAsync() => ValueTask.CompletedTask;

    /// <inheritdoc />
    public virtual ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async Task<IMembershipTable> InitializedTable(string clusterId = "c")
    {
        var table = OpenTable(clusterId);
        await table.InitializeAsync(Cancel);
        return table;
    }

    /// <summary>Runs <paramref name="count"/> calls of <paramref name="action"/> on the thread pool, released together.</summary>
    private static async Task<T[]> AllAtOnce<T>(int count, Func<int, Task<T>> action)
    {
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var calls = Enumerable.Range(0, count).Select(i => Task.Run(async () =>
        {
            await start.Task;
            return await action(i);
        })).ToArray();
        start.SetResult();
        return await Task.WhenAll(calls);
    }

    [Fact]
    public async Task Initializing_is_safe_from_many_nodes_at_once_and_again_and_never_resets_the_table()
    {
        var nodes = Enumerable.Range(0, InitializingNodes).Select(_ => OpenTable("c")).ToArray();

        await AllAtOnce(nodes.Length, async i =>
        {
            await nodes[i].InitializeAsync(Cancel);
            return true;
        });

        var fresh = await nodes[0].ReadAllAsync(Cancel);
        Assert.Equal(0, fresh.Version);
        Assert.Empty(fresh.Entries);
        Assert.True(await nodes[1].InsertAsync(Row("a"), 0, Cancel));

        await AllAtOnce(nodes.Length, async i =>
        {
            await nodes[i].InitializeAsync(Cancel);
            return true;
        });

        var again = await nodes[^1].ReadAllAsync(Cancel);
        Assert.Equal(1, again.Version);
        Assert.Equal(Node("a"), Assert.Single(again.Entries).Name);
    }

    [Fact]
    public async Task An_inserted_row_reads_back_with_every_field_and_its_times_to_the_microsecond()
    {
        var table = await InitializedTable();
        var row = new MembershipEntry(
            Node("alpha"),
            4_000_000_000, // above int.MaxValue: creations are unsigned
            "10.1.2.3:4370",
            NodeStatus.Active,
            [new SuspectVote(Node("beta"), 7, T0.AddSeconds(-3)), new SuspectVote(Node("gamma"), 4_000_000_001, T0.AddTicks(-1))],
            T0.AddMinutes(-10),
            T0);

        Assert.True(await table.InsertAsync(row, 0, Cancel));

        var read = await table.ReadAllAsync(Cancel);
        Assert.Equal(1, read.Version);
        AssertStoredAs(row, Assert.Single(read.Entries));
        // Kept below the millisecond (PostgreSQL's timestamptz(3), as Orleans declares it, would lose this).
        Assert.Equal(897 * TimeSpan.TicksPerMicrosecond, Assert.Single(read.Entries).IAmAliveAt.UtcTicks % TimeSpan.TicksPerMillisecond);
    }

    [Fact]
    public async Task An_insert_with_a_stale_version_fails_and_writes_nothing()
    {
        var table = await InitializedTable();
        Assert.True(await table.InsertAsync(Row("a"), 0, Cancel));

        Assert.False(await table.InsertAsync(Row("b"), 0, Cancel)); // behind
        Assert.False(await table.InsertAsync(Row("c"), 2, Cancel)); // ahead

        var read = await table.ReadAllAsync(Cancel);
        Assert.Equal(1, read.Version);
        Assert.Equal(Node("a"), Assert.Single(read.Entries).Name);
    }

    [Fact]
    public async Task Inserting_an_identity_that_exists_fails_and_writes_nothing()
    {
        var table = await InitializedTable();
        var first = Row("a", creation: 5);
        Assert.True(await table.InsertAsync(first, 0, Cancel));

        Assert.False(await table.InsertAsync(first with { Endpoint = "10.9.9.9:1", Status = NodeStatus.Active }, 1, Cancel));

        var read = await table.ReadAllAsync(Cancel);
        Assert.Equal(1, read.Version); // the duplicate's version increment was undone
        AssertStoredAs(first, Assert.Single(read.Entries));

        // The same name with another creation is another identity (a restart).
        Assert.True(await table.InsertAsync(Row("a", creation: 6), 1, Cancel));
        Assert.Equal([5u, 6u], (await table.ReadAllAsync(Cancel)).Entries.Select(e => e.Creation));
    }

    [Fact]
    public async Task An_update_with_the_current_version_replaces_the_row_and_increments_the_version()
    {
        var table = await InitializedTable();
        Assert.True(await table.InsertAsync(Row("a"), 0, Cancel));
        Assert.True(await table.InsertAsync(Row("b"), 1, Cancel));
        var updated = Row("a") with
        {
            Endpoint = "10.0.0.1:5000",
            Status = NodeStatus.ShuttingDown,
            Votes = [new SuspectVote(Node("b"), 1, T0.AddSeconds(1))],
            StartedAt = T0.AddHours(-1),
            IAmAliveAt = T0.AddSeconds(30),
        };

        Assert.True(await table.UpdateAsync(updated, 2, Cancel));

        var read = await table.ReadAllAsync(Cancel);
        Assert.Equal(3, read.Version);
        AssertStoredAs(updated, read.Entries.Single(e => e.Name == Node("a")));
        AssertStoredAs(Row("b"), read.Entries.Single(e => e.Name == Node("b")));

        Assert.True(await table.UpdateAsync(updated with { Votes = NoVotes, Status = NodeStatus.Dead }, 3, Cancel));
        var dead = await table.ReadAllAsync(Cancel);
        Assert.Equal(4, dead.Version);
        Assert.Equal(NodeStatus.Dead, dead.Entries.Single(e => e.Name == Node("a")).Status);
        Assert.Empty(dead.Entries.Single(e => e.Name == Node("a")).Votes);
    }

    [Fact]
    public async Task An_update_with_a_stale_version_or_of_a_missing_row_fails_and_writes_nothing()
    {
        var table = await InitializedTable();
        Assert.True(await table.InsertAsync(Row("a"), 0, Cancel));
        Assert.True(await table.UpdateAsync(Row("a", status: NodeStatus.Active), 1, Cancel));

        Assert.False(await table.UpdateAsync(Row("a", status: NodeStatus.Dead), 1, Cancel)); // behind
        Assert.False(await table.UpdateAsync(Row("a", status: NodeStatus.Dead), 3, Cancel)); // ahead
        Assert.False(await table.UpdateAsync(Row("a", creation: 2, status: NodeStatus.Dead), 2, Cancel)); // no such identity

        var read = await table.ReadAllAsync(Cancel);
        Assert.Equal(2, read.Version); // the missing row's version increment was undone
        AssertStoredAs(Row("a", status: NodeStatus.Active), Assert.Single(read.Entries));
    }

    [Fact]
    public async Task Of_updates_racing_from_one_read_exactly_one_wins()
    {
        var table = await InitializedTable();
        Assert.True(await table.InsertAsync(Row("target"), 0, Cancel));
        var nodes = Enumerable.Range(0, RacingNodes).Select(_ => OpenTable("c")).ToArray();
        foreach (var node in nodes)
        {
            await node.InitializeAsync(Cancel); // so that they race on the write, not on connecting
        }
        var seen = await table.ReadAllAsync(Cancel);

        var won = await AllAtOnce(RacingNodes, i => nodes[i].UpdateAsync(
            Row("target", status: NodeStatus.Active) with { Votes = [new SuspectVote(Node($"voter{i}"), 1, T0)] }, seen.Version, Cancel));

        var winner = Assert.Single(Enumerable.Range(0, RacingNodes), i => won[i]);
        var read = await table.ReadAllAsync(Cancel);
        Assert.Equal(seen.Version + 1, read.Version);
        Assert.Equal(Node($"voter{winner}"), Assert.Single(Assert.Single(read.Entries).Votes).Voter);
    }

    [Fact]
    public async Task Of_inserts_racing_from_one_read_exactly_one_wins()
    {
        var table = await InitializedTable();
        var nodes = Enumerable.Range(0, RacingNodes).Select(_ => OpenTable("c")).ToArray();
        foreach (var node in nodes)
        {
            await node.InitializeAsync(Cancel);
        }

        var won = await AllAtOnce(RacingNodes, i => nodes[i].InsertAsync(Row($"joiner{i}"), 0, Cancel));

        var winner = Assert.Single(Enumerable.Range(0, RacingNodes), i => won[i]);
        var read = await table.ReadAllAsync(Cancel);
        Assert.Equal(1, read.Version);
        Assert.Equal(Node($"joiner{winner}"), Assert.Single(read.Entries).Name);
    }

    [Fact]
    public async Task The_I_am_alive_write_sets_only_that_time_and_leaves_the_version_alone()
    {
        var table = await InitializedTable();
        var row = Row("a", status: NodeStatus.Active, votes: new SuspectVote(Node("b"), 1, T0));
        Assert.True(await table.InsertAsync(row, 0, Cancel));
        var alive = T0.AddMinutes(1).AddTicks(3);

        await table.UpdateIAmAliveAsync(row.Name, row.Creation, alive, Cancel);

        var read = await table.ReadAllAsync(Cancel);
        Assert.Equal(1, read.Version);
        AssertStoredAs(row with { IAmAliveAt = alive }, Assert.Single(read.Entries));
        // A writer that read before the I-am-alive write still holds the current version.
        Assert.True(await table.UpdateAsync(row with { Status = NodeStatus.ShuttingDown, IAmAliveAt = alive }, 1, Cancel));

        // A row that is not there is not reported as written.
        await Assert.ThrowsAsync<KeyNotFoundException>(() => table.UpdateIAmAliveAsync(row.Name, row.Creation + 1, alive, Cancel));
        await Assert.ThrowsAsync<KeyNotFoundException>(() => table.UpdateIAmAliveAsync(Node("nobody"), 1, alive, Cancel));
    }

    [Fact]
    public async Task Deleting_defunct_rows_removes_only_dead_rows_last_alive_before_the_cutoff()
    {
        var table = await InitializedTable();
        var cutoff = T0; // below the microsecond, like every time the tables see
        MembershipEntry[] rows =
        [
            Row("dead-old", status: NodeStatus.Dead, iAmAliveAt: cutoff.AddSeconds(-1)),
            Row("dead-at-cutoff", status: NodeStatus.Dead, iAmAliveAt: cutoff),
            Row("dead-recent", status: NodeStatus.Dead, iAmAliveAt: cutoff.AddHours(1)),
            Row("joining-old", status: NodeStatus.Joining, iAmAliveAt: cutoff.AddDays(-30)),
            Row("active-old", status: NodeStatus.Active, iAmAliveAt: cutoff.AddDays(-30)),
            Row("leaving-old", status: NodeStatus.ShuttingDown, iAmAliveAt: cutoff.AddDays(-30)),
        ];
        for (var i = 0; i < rows.Length; i++)
        {
            Assert.True(await table.InsertAsync(rows[i], i, Cancel));
        }

        Assert.Equal(1, await table.DeleteDefunctAsync(cutoff, Cancel));

        var read = await table.ReadAllAsync(Cancel);
        Assert.Equal(rows.Length, read.Version); // cleanup is not a membership change
        Assert.Equal(rows.Skip(1).Select(r => r.Name).Order(), read.Entries.Select(e => e.Name));
        Assert.Equal(0, await table.DeleteDefunctAsync(cutoff, Cancel));
    }

    [Fact]
    public async Task Two_clusters_in_one_store_do_not_see_each_other()
    {
        var blue = await InitializedTable("blue");
        var green = await InitializedTable("green");

        Assert.True(await blue.InsertAsync(Row("a", status: NodeStatus.Dead), 0, Cancel));
        Assert.True(await blue.UpdateAsync(Row("a", status: NodeStatus.Dead), 1, Cancel));

        var greenView = await green.ReadAllAsync(Cancel);
        Assert.Equal(0, greenView.Version);
        Assert.Empty(greenView.Entries);
        Assert.False(await green.UpdateAsync(Row("a", status: NodeStatus.Active), 2, Cancel));
        await Assert.ThrowsAsync<KeyNotFoundException>(() => green.UpdateIAmAliveAsync(Node("a"), 1, T0, Cancel));
        Assert.Equal(0, await green.DeleteDefunctAsync(T0.AddYears(1), Cancel));

        // The same identity in the other cluster is another row.
        Assert.True(await green.InsertAsync(Row("a", status: NodeStatus.Active), 0, Cancel));
        var blueView = await blue.ReadAllAsync(Cancel);
        Assert.Equal(2, blueView.Version);
        Assert.Equal(NodeStatus.Dead, Assert.Single(blueView.Entries).Status);
        Assert.Equal(NodeStatus.Active, Assert.Single((await green.ReadAllAsync(Cancel)).Entries).Status);
    }

    [Fact]
    public async Task Rows_that_are_not_valid_are_refused_and_nothing_is_written()
    {
        var table = await InitializedTable();

        await Assert.ThrowsAsync<ArgumentException>(() => table.InsertAsync(Row("a") with { Name = NodeName.None }, 0, Cancel));
        await Assert.ThrowsAsync<ArgumentException>(() => table.InsertAsync(Row("a") with { Endpoint = " " }, 0, Cancel));
        await Assert.ThrowsAsync<ArgumentException>(() => table.InsertAsync(Row("a") with { Status = (NodeStatus)5 }, 0, Cancel));
        await Assert.ThrowsAsync<ArgumentException>(() => table.InsertAsync(Row("a", votes: new SuspectVote(NodeName.None, 1, T0)), 0, Cancel));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => table.InsertAsync(Row("a"), -1, Cancel));
        await Assert.ThrowsAsync<ArgumentException>(() => table.UpdateAsync(Row("a") with { Name = NodeName.None }, 0, Cancel));
        await Assert.ThrowsAsync<ArgumentException>(() => table.UpdateIAmAliveAsync(NodeName.None, 1, T0, Cancel));

        var read = await table.ReadAllAsync(Cancel);
        Assert.Equal(0, read.Version);
        Assert.Empty(read.Entries);
    }

    [Fact]
    public async Task A_row_read_back_does_not_change_when_the_writer_changes_its_vote_list()
    {
        var table = await InitializedTable();
        var votes = new List<SuspectVote> { new(Node("b"), 1, T0) };
        Assert.True(await table.InsertAsync(Row("a") with { Votes = votes }, 0, Cancel));

        votes.Add(new SuspectVote(Node("c"), 1, T0));

        Assert.Single(Assert.Single((await table.ReadAllAsync(Cancel)).Entries).Votes);
    }
}
