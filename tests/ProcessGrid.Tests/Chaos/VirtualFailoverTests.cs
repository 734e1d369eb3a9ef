using System.Diagnostics;
using ProcessGrid.Runtime.Placement;
using ProcessGrid.Samples;

namespace ProcessGrid.Tests.Chaos;

/// <summary>
/// Virtual processes on silos that run as their own OS processes: a key whose silo is killed is activated again on a
/// survivor, and a silo activates the application's kinds once it loads the application's assembly.
/// </summary>
public sealed class VirtualFailoverTests
{
    private static readonly TimeSpan Liveness = TimeSpan.FromSeconds(20);

    /// <summary>An application's virtual process, pinned to the silo that loads the application's assembly.</summary>
    [VirtualProcess(Placement = PlacementStrategy.NamedNode, Node = "app@localhost")]
    public sealed class AppGreeter : GenServer
    {
        protected override ValueTask<object?> HandleCallAsync(object request, CallFrom from) =>
            new($"hello {request} from {Context.Grid.Node}");
    }

    /// <summary>The same, pinned to a silo that was not given the application's assembly.</summary>
    [VirtualProcess(Placement = PlacementStrategy.NamedNode, Node = "plain@localhost")]
    public sealed class PlainGreeter : GenServer
    {
        protected override ValueTask<object?> HandleCallAsync(object request, CallFrom from) => new((object?)"unreachable");
    }

    [Fact]
    public async Task A_counter_whose_silo_is_killed_answers_again_from_a_surviving_silo()
    {
        await using var cluster = await TestCluster.StartAsync(1);
        var observer = cluster[0];
        await using var b = await cluster.StartSiloAsync("b");
        await using var c = await cluster.StartSiloAsync("c");
        await TestNode.Eventually(() => observer.Placement.Members.Count == 3, "the observer to place on both silos", Liveness);
        await c.WaitForOutput("Node up: b@localhost", Liveness);
        // A key that lives on b, and on c once b is gone: the failover happens between two silo processes.
        NodeName bName = NodeName.Parse("b@localhost"), cName = NodeName.Parse("c@localhost");
        var key = Enumerable.Range(0, 1000).Select(i => $"visits-{i}").First(k =>
            VirtualPlacement.OwnerAmong(Pid.ForVirtual("counter", k), [observer.Node, bName, cName]) == bName &&
            VirtualPlacement.OwnerAmong(Pid.ForVirtual("counter", k), [observer.Node, cName]) == cName);
        var counter = observer.Virtual<Counter>(key);
        Assert.Equal(5L, await observer.Call<long>(counter, new Counter.Add(5)));
        Assert.Equal(bName, await observer.Call<NodeName>(counter, new Counter.Locate()));

        b.Kill();
        var failures = new List<string>();
        var stopwatch = Stopwatch.StartNew();
        NodeName? answeredBy = null;
        while (answeredBy is null)
        {
            Assert.True(stopwatch.Elapsed < Liveness, $"The counter did not answer again within {Liveness}; calls failed with: {string.Join("; ", failures.Distinct())}");
            try
            {
                answeredBy = await observer.Call<NodeName>(counter, new Counter.Locate(), TimeSpan.FromSeconds(1));
            }
            catch (CallException e)
            {
                failures.Add(e.Reason.ToString()); // nodedown while b is being declared dead.
                await Task.Delay(10, TestContext.Current.CancellationToken);
            }
        }

        Assert.Equal(cName, answeredBy);
        Assert.All(failures.Distinct(), reason => Assert.Contains("nodedown", reason));
        // A new activation: its count lived in b's memory.
        Assert.Equal(0L, await observer.Call<long>(counter, new Counter.Get()));
    }

    [Fact]
    public async Task A_silo_activates_the_kinds_of_the_assemblies_it_loads_and_says_which_kind_it_lacks()
    {
        await using var cluster = await TestCluster.StartAsync(1);
        var observer = cluster[0];
        var testAssembly = typeof(AppGreeter).Assembly.Location;
        var app = cluster.StartSiloAsync("app", "--ProcessGrid:Assemblies:0", testAssembly);
        var plain = cluster.StartSiloAsync("plain");
        await using var appSilo = await app;
        await using var plainSilo = await plain;
        await TestNode.Eventually(() => observer.Placement.Members.Count == 3, "the observer to place on both silos", Liveness);

        Assert.Equal("hello you from app@localhost", await observer.Call<string>(observer.Virtual<AppGreeter>("one"), "you"));

        var refused = await Assert.ThrowsAsync<CallException>(async () => await observer.Call<string>(observer.Virtual<PlainGreeter>("one"), "you"));
        Assert.Contains("does not know the virtual process kind 'PlainGreeter'", refused.Reason.ToString());
    }

    [Fact]
    public async Task A_silo_given_an_assembly_that_does_not_exist_refuses_to_start_and_names_the_setting()
    {
        await using var silo = SiloProcess.Start("--listen", "off", "--ProcessGrid:Assemblies:0", "missing/Processes.dll");

        Assert.Equal(1, await silo.WaitForExit(Liveness));
        Assert.Contains("ProcessGrid:Assemblies:0", silo.Output);
        Assert.Contains("no such file", silo.Output);
    }
}
