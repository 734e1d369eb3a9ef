namespace ProcessGrid;

/// <summary>
/// A process written as straight-line code that receives messages, like an Erlang function: override
/// <see cref="RunAsync"/>. The process exits <c>normal</c> when it returns, or with the exception it throws.
/// </summary>
/// <example>
/// <code>
/// public sealed class Echo : GridProcess
/// {
///     protected override async Task RunAsync(IProcessContext ctx)
///     {
///         while (true)
///         {
///             var (from, text) = await ctx.Receive&lt;(Pid, string)&gt;();
///             ctx.Send(from, text);
///         }
///     }
/// }
/// </code>
/// </example>
public abstract class GridProcess : ProcessBehavior
{
    /// <summary>The process's code.</summary>
    /// <param name="ctx">The process's context (also available as <see cref="ProcessBehavior.Context"/>).</param>
    protected internal abstract Task RunAsync(IProcessContext ctx);
}
