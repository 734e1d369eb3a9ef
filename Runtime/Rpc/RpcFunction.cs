using System.Linq.Expressions;
using System.Reflection;

namespace ProcessGrid.Runtime.Rpc;

/// <summary>
/// One function a node serves: its name, the delegate that implements it, which of its parameters take the call's
/// arguments and which the node fills in, and a compiled invoker, so that a call costs a bind and a delegate call and
/// no reflection. Immutable, so the same function serves every node started with the same options.
/// </summary>
internal sealed class RpcFunction
{
    /// <summary>Where a parameter's value comes from.</summary>
    private enum Source : byte
    {
        /// <summary>The next argument of the call.</summary>
        Argument,

        /// <summary>The node the function runs on (a parameter of type <see cref="IProcessGrid"/>).</summary>
        Grid,

        /// <summary>The node's services (a parameter of type <see cref="IServiceProvider"/>).</summary>
        Services,

        /// <summary>Cancelled when the caller stops waiting or the node stops (a parameter of type <see cref="CancellationToken"/>).</summary>
        Cancellation,
    }

    private static readonly MethodInfo AwaitTaskMethod = typeof(RpcFunction).GetMethod(nameof(AwaitTask), BindingFlags.NonPublic | BindingFlags.Static)!;
    private static readonly MethodInfo AwaitTaskOfMethod = typeof(RpcFunction).GetMethod(nameof(AwaitTaskOf), BindingFlags.NonPublic | BindingFlags.Static)!;
    private static readonly MethodInfo AwaitValueTaskMethod = typeof(RpcFunction).GetMethod(nameof(AwaitValueTask), BindingFlags.NonPublic | BindingFlags.Static)!;
    private static readonly MethodInfo AwaitValueTaskOfMethod = typeof(RpcFunction).GetMethod(nameof(AwaitValueTaskOf), BindingFlags.NonPublic | BindingFlags.Static)!;

    private readonly Source[] _sources;
    private readonly ParameterInfo[] _parameters;

    /// <summary>Per parameter: whether null binds to it (a nullable type, or a reference type not declared non-null).</summary>
    private readonly bool[] _acceptsNull;
    private readonly int _required;
    private readonly Func<object?[], ValueTask<object?>> _invoke;

    private RpcFunction(string name, Source[] sources, ParameterInfo[] parameters, Func<object?[], ValueTask<object?>> invoke)
    {
        Name = name;
        _sources = sources;
        _parameters = parameters;
        _invoke = invoke;
        var nullability = new NullabilityInfoContext();
        _acceptsNull = [.. parameters.Select(p => p.ParameterType.IsValueType
            ? Nullable.GetUnderlyingType(p.ParameterType) is not null
            : nullability.Create(p).WriteState != NullabilityState.NotNull)];
        Arity = sources.Count(s => s == Source.Argument);
        _required = Arity - parameters.Where((p, i) => sources[i] == Source.Argument && p.HasDefaultValue).Count();
        WantsCancellation = sources.Contains(Source.Cancellation);
        Signature = $"{name}({string.Join(", ", parameters.Where((_, i) => sources[i] == Source.Argument).Select(Describe))})";
    }

    /// <summary>The function's name.</summary>
    public string Name { get; }

    /// <summary>How many arguments it takes (optional ones included).</summary>
    public int Arity { get; }

    /// <summary>True when it takes a <see cref="CancellationToken"/> (only then does a call make one).</summary>
    public bool WantsCancellation { get; }

    /// <summary>Its name and the parameters that take arguments, as errors show it: <c>math.add(int a, int b)</c>.</summary>
    public string Signature { get; }

    /// <summary>Builds the function <paramref name="name"/> from <paramref name="handler"/>.</summary>
    /// <param name="name">The function's name.</param>
    /// <param name="handler">Any delegate.</param>
    /// <param name="reserved">True for the node's own functions, which alone may use <see cref="GridFunctions.ReservedPrefix"/>.</param>
    /// <exception cref="ArgumentException">The name is empty or reserved, or the delegate cannot be called with arguments that come from elsewhere.</exception>
    public static RpcFunction Create(string name, Delegate handler, bool reserved = false)
    {
        ArgumentNullException.ThrowIfNull(handler);
        CheckName(name, reserved);
        var invoke = handler.GetType().GetMethod("Invoke")!;
        var parameters = invoke.GetParameters();
        // The method behind the delegate knows the parameters' real names (a Func's Invoke calls them arg1, arg2...).
        var declared = handler.Method.GetParameters();
        if (declared.Length == parameters.Length)
        {
            parameters = declared;
        }
        var sources = new Source[parameters.Length];
        for (var i = 0; i < parameters.Length; i++)
        {
            var type = parameters[i].ParameterType;
            if (type.IsByRef || type.IsPointer || type.IsByRefLike)
            {
                throw new ArgumentException(
                    $"Cannot register the rpc function '{name}': its parameter '{parameters[i].Name}' is {(type.IsByRef ? "ref, in or out" : "a pointer or a ref struct")}, " +
                    "and a call's arguments can only be passed by value. Take it by value and return what the caller needs.", nameof(handler));
            }
            sources[i] = type == typeof(IProcessGrid) ? Source.Grid
                : type == typeof(IServiceProvider) ? Source.Services
                : type == typeof(CancellationToken) ? Source.Cancellation
                : Source.Argument;
        }
        return new RpcFunction(name, sources, parameters, Compile(handler, invoke));
    }

    /// <summary>Refuses a name no application function may have.</summary>
    /// <exception cref="ArgumentException">The name is empty, blank, or (unless <paramref name="reserved"/>) starts with <see cref="GridFunctions.ReservedPrefix"/>.</exception>
    public static void CheckName(string name, bool reserved = false)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new ArgumentException("An rpc function needs a name, such as \"math.add\".", nameof(name));
        }
        if (!reserved && name.StartsWith(GridFunctions.ReservedPrefix, StringComparison.Ordinal))
        {
            throw new ArgumentException(
                $"Cannot register the rpc function '{name}': names starting with '{GridFunctions.ReservedPrefix}' belong to the functions every node serves itself. Choose another prefix.",
                nameof(name));
        }
    }

    /// <summary>
    /// Binds a call's arguments to the parameters, filling in the injected ones. False with the reason (a badarg:
    /// what the function takes, and which argument does not fit) when they do not fit.
    /// </summary>
    public bool TryBind(object?[] args, IProcessGrid grid, IServiceProvider services, CancellationToken cancellation, out object?[] values, out string problem)
    {
        values = [];
        if (args.Length < _required || args.Length > Arity)
        {
            var takes = _required == Arity ? $"{Arity}" : $"{_required} to {Arity}";
            problem = $"{Signature} takes {takes} argument{(Arity == 1 ? "" : "s")}, and {args.Length} {(args.Length == 1 ? "was" : "were")} given";
            return false;
        }
        var bound = new object?[_parameters.Length];
        var next = 0;
        for (var i = 0; i < _parameters.Length; i++)
        {
            var parameter = _parameters[i];
            switch (_sources[i])
            {
                case Source.Grid:
                    bound[i] = grid;
                    continue;
                case Source.Services:
                    bound[i] = services;
                    continue;
                case Source.Cancellation:
                    bound[i] = cancellation;
                    continue;
            }
            if (next >= args.Length)
            {
                bound[i] = DefaultOf(parameter);
                continue;
            }
            var arg = args[next++];
            if (arg is null ? !_acceptsNull[i] : !RpcValues.TryConvert(arg, parameter.ParameterType, out bound[i]))
            {
                problem = $"{Signature}: argument {next} ({parameter.Name}) is {RpcValues.Describe(arg)}, but it must be {RpcValues.NameOf(parameter.ParameterType)}";
                return false;
            }
        }
        values = bound;
        problem = "";
        return true;
    }

    /// <summary>Runs the function with bound parameter values; completes with its result (null for none), or with what it threw.</summary>
    public ValueTask<object?> InvokeAsync(object?[] values) => _invoke(values);

    private static object? DefaultOf(ParameterInfo parameter) =>
        parameter.DefaultValue is null or DBNull or Missing && parameter.ParameterType.IsValueType
            ? Activator.CreateInstance(parameter.ParameterType)
            : parameter.DefaultValue;

    private static string Describe(ParameterInfo parameter) =>
        $"{RpcValues.NameOf(parameter.ParameterType)} {parameter.Name}{(parameter.HasDefaultValue ? " = " + (parameter.DefaultValue ?? "null") : "")}";

    /// <summary>
    /// Compiles <c>values =&gt; handler(values[0] as T0, values[1] as T1, ...)</c>, with the result turned into a
    /// <c>ValueTask&lt;object?&gt;</c>: awaited when it is a task, null when there is none.
    /// </summary>
    private static Func<object?[], ValueTask<object?>> Compile(Delegate handler, MethodInfo invoke)
    {
        var values = Expression.Parameter(typeof(object?[]), "values");
        var arguments = invoke.GetParameters()
            .Select((p, i) => Expression.Convert(Expression.ArrayIndex(values, Expression.Constant(i)), p.ParameterType));
        var call = Expression.Invoke(Expression.Constant(handler, handler.GetType()), arguments);
        var returns = invoke.ReturnType;
        Expression body = returns switch
        {
            _ when returns == typeof(void) => Expression.Block(call, Expression.Default(typeof(ValueTask<object?>))),
            _ when returns == typeof(Task) => Expression.Call(AwaitTaskMethod, call),
            _ when returns == typeof(ValueTask) => Expression.Call(AwaitValueTaskMethod, call),
            { IsGenericType: true } when returns.GetGenericTypeDefinition() == typeof(Task<>) =>
                Expression.Call(AwaitTaskOfMethod.MakeGenericMethod(returns.GetGenericArguments()), call),
            { IsGenericType: true } when returns.GetGenericTypeDefinition() == typeof(ValueTask<>) =>
                Expression.Call(AwaitValueTaskOfMethod.MakeGenericMethod(returns.GetGenericArguments()), call),
            _ => Expression.New(
                typeof(ValueTask<object?>).GetConstructor([typeof(object)])!,
                Expression.Convert(call, typeof(object))),
        };
        return Expression.Lambda<Func<object?[], ValueTask<object?>>>(body, values).Compile();
    }

    private static ValueTask<object?> AwaitTask(Task task)
    {
        return NotNull(task).IsCompletedSuccessfully ? default : Slow(task);

        static async ValueTask<object?> Slow(Task task)
        {
            await task.ConfigureAwait(false);
            return null;
        }
    }

    private static ValueTask<object?> AwaitTaskOf<T>(Task<T> task)
    {
        return NotNull(task).IsCompletedSuccessfully ? new(task.Result) : Slow(task);

        static async ValueTask<object?> Slow(Task<T> task) => await task.ConfigureAwait(false);
    }

    private static ValueTask<object?> AwaitValueTask(ValueTask task)
    {
        return task.IsCompletedSuccessfully ? default : Slow(task);

        static async ValueTask<object?> Slow(ValueTask task)
        {
            await task.ConfigureAwait(false);
            return null;
        }
    }

    private static ValueTask<object?> AwaitValueTaskOf<T>(ValueTask<T> task)
    {
        return task.IsCompletedSuccessfully ? new(task.Result) : Slow(task);

        static async ValueTask<object?> Slow(ValueTask<T> task) => await task.ConfigureAwait(false);
    }

    private static T NotNull<T>(T? task) where T : Task =>
        task ?? throw new InvalidOperationException("The function returned a null task; an async function returns a task that completes with its result.");
}
