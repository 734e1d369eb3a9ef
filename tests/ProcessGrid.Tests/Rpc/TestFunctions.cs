using ProcessGrid.Runtime.Hosting;

namespace ProcessGrid.Tests.Rpc;

/// <summary>The functions the rpc tests' nodes serve from their start, registered in their options as an application would.</summary>
public static class TestFunctions
{
    /// <summary>A message type for functions that take and return data.</summary>
    public sealed record Order(string Id, decimal Amount);

    /// <summary>Registers the functions on a node's options.</summary>
    public static void Register(ProcessGridOptions options) => options.Rpc
        .Register("math.add", (int a, int b) => a + b)
        .Register("math.div", (int a, int b) => a / b)
        .Register("math.widen", (long a, double b) => $"{a}|{b}")
        .Register("math.sum", (IReadOnlyList<int> values) => values.Sum())
        .Register("math.add_async", async (int a, int b) =>
        {
            await Task.Yield();
            return a + b;
        })
        .Register("math.add_value_task", (int a, int b) => new ValueTask<int>(a + b))
        .Register("greet", (string name, string greeting = "hello") => $"{greeting}, {name}")
        .Register("where", (IProcessGrid grid) => grid.Node)
        .Register("orders.total", (Order order, int quantity) => order.Amount * quantity)
        .Register("echo", (object? value) => value)
        .Register("nothing", () => { })
        .Register("nothing_async", async () => await Task.Yield())
        .Register("fail", (string message) => { throw new InvalidOperationException(message); })
        .Register("fail_async", async (string message) =>
        {
            await Task.Yield();
            throw new InvalidOperationException(message);
        })
        .Register("until_cancelled", async (CancellationToken cancellation) => await Task.Delay(Timeout.Infinite, cancellation))
        .Register("code", () => new Func<int>(() => 1));
}
