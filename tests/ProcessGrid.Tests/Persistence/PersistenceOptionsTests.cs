using ProcessGrid.Runtime.Hosting;
using ProcessGrid.Runtime.Persistence;

namespace ProcessGrid.Tests.Persistence;

/// <summary>Choosing the state store, and the settings and classes it refuses at start, with messages that name them.</summary>
public sealed class PersistenceOptionsTests
{
    private static ProcessGridOptions Options(Action<ProcessGridOptions> configure)
    {
        var options = new ProcessGridOptions { NodeName = "options@localhost" };
        configure(options);
        return options;
    }

    [Fact]
    public void The_store_follows_the_database_unless_chosen_explicitly()
    {
        var lone = Options(_ => { });
        var withCluster = Options(o =>
        {
            o.Cluster.Listen = "127.0.0.1:0";
            o.Cluster.Database = "Host=db;Database=grid";
        });
        var withOwn = Options(o => o.Persistence.Database = "Host=db;Database=state");
        var memoryAnyway = Options(o =>
        {
            o.Persistence.Database = "Host=db;Database=state";
            o.Persistence.Store = StateStoreKind.Memory;
        });

        Assert.Equal(StateStoreKind.Memory, lone.Persistence.Resolve(lone.Cluster));
        Assert.Equal(StateStoreKind.PostgreSql, withCluster.Persistence.Resolve(withCluster.Cluster));
        Assert.Equal("Host=db;Database=grid", withCluster.Persistence.ConnectionString(withCluster.Cluster));
        Assert.Equal(StateStoreKind.PostgreSql, withOwn.Persistence.Resolve(withOwn.Cluster));
        Assert.Equal("Host=db;Database=state", withOwn.Persistence.ConnectionString(withOwn.Cluster));
        Assert.Equal(StateStoreKind.Memory, memoryAnyway.Persistence.Resolve(memoryAnyway.Cluster));
    }

    [Fact]
    public async Task A_node_told_to_keep_state_in_memory_does_so_and_says_so_even_with_a_database_configured()
    {
        var log = new CapturedLog();
        await using var node = ProcessNode.Start(Options(o =>
        {
            o.Persistence.Database = "Host=127.0.0.1;Port=1;Database=never-used";
            o.Persistence.Store = StateStoreKind.Memory;
        }), loggerFactory: TestLogging.Factory(log));

        Assert.Equal(1, (await node.Call<TallyView>(node.Virtual<Tally>("k"), new Tally.Add(1))).Version);
        await log.WaitFor("kept in this node's memory only");
    }

    [Fact]
    public void PostgreSql_without_a_database_is_refused_naming_the_settings()
    {
        var error = Assert.Throws<ArgumentException>(() => new ProcessNode(Options(o => o.Persistence.Store = StateStoreKind.PostgreSql)));

        Assert.Contains("ProcessGrid:Persistence:Store is PostgreSql, but no database is given", error.Message);
        Assert.Contains("ProcessGrid:Persistence:Database", error.Message);
        Assert.Contains("ProcessGrid:Cluster:Database", error.Message);
    }

    [Fact]
    public void A_database_setting_that_is_not_a_connection_string_is_refused_naming_it_without_repeating_it()
    {
        var unknown = Assert.Throws<ArgumentException>(() => new ProcessNode(Options(o => o.Persistence.Database = "Host=db;Password=hunter2;Colour=blue")));
        var hostless = Assert.Throws<ArgumentException>(() => new ProcessNode(Options(o => o.Persistence.Database = "Database=grid")));
        var empty = Assert.Throws<ArgumentException>(() => new ProcessNode(Options(o => o.Persistence.Database = " ")));

        Assert.Contains("ProcessGrid:Persistence:Database is not a PostgreSQL connection string", unknown.Message);
        Assert.Contains("colour", unknown.Message, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("hunter2", unknown.Message);
        Assert.Contains("ProcessGrid:Persistence:Database names no Host", hostless.Message);
        Assert.Contains("ProcessGrid:Persistence:Database is empty", empty.Message);
    }

    [Fact]
    public void An_undefined_store_is_refused_with_the_choices()
    {
        var error = Assert.Throws<ArgumentException>(() => new ProcessNode(Options(o => o.Persistence.Store = (StateStoreKind)7)));

        Assert.Contains("ProcessGrid:Persistence:Store is 7; it must be one of Auto, Memory, PostgreSql", error.Message);
    }

    [Fact]
    public void A_class_that_asks_for_two_states_under_one_name_is_refused_at_start_with_the_fix()
    {
        var error = Assert.Throws<ArgumentException>(() => new ProcessNode(Options(o => o.VirtualProcesses.Add(typeof(TwoUnnamedStates)))));

        Assert.Contains("TwoUnnamedStates asks for two persistent states named 'state' (parameters 'first' and 'second')", error.Message);
        Assert.Contains("[PersistentState(\"...\")]", error.Message);
    }

    [Fact]
    public async Task A_class_whose_state_name_is_empty_is_refused_when_first_used()
    {
        await using var node = TestNode.Start();

        var error = Assert.Throws<ArgumentException>(() => node.Virtual<EmptyStateName>("k"));

        Assert.Contains("a state's name has 1 to 100 characters", error.Message);
    }

    [Fact]
    public async Task A_silo_given_an_unknown_store_refuses_to_start_and_names_the_setting()
    {
        await using var silo = SiloProcess.Start("--listen", "off", "--ProcessGrid:Persistence:Store", "Postgres");

        Assert.Equal(1, await silo.WaitForExit(TimeSpan.FromSeconds(30)));
        Assert.Contains("configuration error", silo.Output);
        Assert.Contains("ProcessGrid:Persistence:Store", silo.Output);
        Assert.DoesNotContain("is running", silo.Output);
    }

    [Fact]
    public async Task A_silo_told_to_keep_state_in_PostgreSql_without_a_database_refuses_to_start_and_says_what_to_set()
    {
        await using var silo = SiloProcess.Start("--listen", "off", "--ProcessGrid:Persistence:Store", "PostgreSql");

        Assert.Equal(1, await silo.WaitForExit(TimeSpan.FromSeconds(30)));
        Assert.Contains("ProcessGrid:Persistence:Store is PostgreSql, but no database is given", silo.Output);
    }
}
