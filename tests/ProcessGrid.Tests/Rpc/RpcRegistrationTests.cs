using Microsoft.Extensions.DependencyInjection;

namespace ProcessGrid.Tests.Rpc;

/// <summary>Functions are registered by name on each node: at start through the options, or later on one node.</summary>
public sealed class RpcRegistrationTests
{
    [Fact]
    public async Task A_function_registered_on_a_running_node_is_served_by_that_node_only_until_it_is_unregistered()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        cluster[1].Rpc.Register("text.shout", (string text) => text.ToUpperInvariant());

        Assert.Equal("HI", await cluster[0].Rpc.Call<string>(cluster[1].Node, "text.shout", ["hi"]));
        var elsewhere = await Assert.ThrowsAsync<RpcException>(() => cluster[1].Rpc.Call<string>(cluster[0].Node, "text.shout", ["hi"]).AsTask());
        Assert.Equal(RpcFailure.Undef, elsewhere.Failure);

        Assert.True(cluster[1].Rpc.Unregister("text.shout"));
        Assert.False(cluster[1].Rpc.Unregister("text.shout"));
        var gone = await Assert.ThrowsAsync<RpcException>(() => cluster[0].Rpc.Call<string>(cluster[1].Node, "text.shout", ["hi"]).AsTask());
        Assert.Equal(RpcFailure.Undef, gone.Failure);
    }

    [Fact]
    public async Task A_name_that_is_taken_or_reserved_is_refused_with_the_reason()
    {
        await using var node = TestNode.Start(TestFunctions.Register);

        var taken = Assert.Throws<ArgumentException>(() => node.Rpc.Register("math.add", (int a) => a));
        var reserved = Assert.Throws<ArgumentException>(() => node.Rpc.Register("grid.mine", () => 1));
        var blank = Assert.Throws<ArgumentException>(() => node.Rpc.Register(" ", () => 1));
        var builtIn = Assert.Throws<ArgumentException>(() => node.Rpc.Unregister(GridFunctions.Processes));

        Assert.Contains("registered there already", taken.Message, StringComparison.Ordinal);
        Assert.Contains("'grid.'", reserved.Message, StringComparison.Ordinal);
        Assert.Contains("needs a name", blank.Message, StringComparison.Ordinal);
        Assert.Contains("serves it itself", builtIn.Message, StringComparison.Ordinal);
        Assert.Equal(3, await node.Rpc.Call<int>(node.Node, "math.add", [1, 2])); // The first registration stands.
    }

    private delegate void WithOut(int a, out int b);

    [Fact]
    public void A_function_whose_parameters_cannot_take_values_from_another_node_is_refused()
    {
        var options = new Runtime.Hosting.ProcessGridOptions();

        var error = Assert.Throws<ArgumentException>(() => options.Rpc.Register("split", new WithOut((int a, out int b) => b = a)));
        var twice = Assert.Throws<ArgumentException>(() => options.Rpc.Register("one", () => 1).Register("one", () => 2));

        Assert.Contains("parameter 'b' is ref, in or out", error.Message, StringComparison.Ordinal);
        Assert.Contains("registered already", twice.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_function_can_ask_for_the_nodes_services()
    {
        var services = TestNode.Services(collection => collection.AddSingleton(new Greeting("good day")));
        await using var node = TestNode.Start(options => options.Rpc.Register("polite", (IServiceProvider provider, string name) =>
            $"{provider.GetRequiredService<Greeting>().Text}, {name}"), services);

        Assert.Equal("good day, Ada", await node.Rpc.Call<string>(node.Node, "polite", ["Ada"]));
    }

    private sealed record Greeting(string Text);
}
