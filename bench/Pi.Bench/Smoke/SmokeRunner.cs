using System.Reflection;
using BenchmarkDotNet.Attributes;

namespace Pi.Bench.Smoke;

/// <summary>
/// Runs every benchmark method of an assembly in process, once per [Params] combination and twice
/// per method (so counters advance and replay windows are exercised), calling the same global and
/// iteration setup and cleanup methods BenchmarkDotNet would, and checks each result through the
/// class's <see cref="ISmokeCheck"/>. Nothing is timed.
/// </summary>
internal static class SmokeRunner
{
    private const int CallsPerMethod = 2;

    /// <summary>Returns the process exit code: 0 when every check passed.</summary>
    public static int Run(Assembly assembly, TextWriter output)
    {
        var classes = assembly.GetTypes()
            .Where(t => t.IsClass && !t.IsAbstract && BenchmarkMethods(t).Any())
            .OrderBy(t => t.Name, StringComparer.Ordinal)
            .ToList();
        var passed = 0;
        var failed = 0;
        foreach (var type in classes)
        {
            foreach (var parameters in ParameterSets(type))
            {
                var label = parameters.Count == 0
                    ? type.Name
                    : $"{type.Name}({string.Join(", ", parameters.Select(p => $"{p.Member.Name}={p.Value}"))})";
                try
                {
                    RunOne(type, parameters, output, label);
                    passed++;
                }
                catch (Exception ex)
                {
                    // Anything a benchmark or a check throws is a failed smoke test, reported and counted.
                    var inner = ex is TargetInvocationException { InnerException: { } cause } ? cause : ex;
                    output.WriteLine($"FAIL {label}: {inner.GetType().Name}: {inner.Message}");
                    failed++;
                }
            }
        }
        output.WriteLine($"smoke: {passed} parameter sets passed, {failed} failed, {classes.Count} benchmark classes");
        return failed == 0 && passed > 0 ? 0 : 1;
    }

    /// <summary>
    /// Like BenchmarkDotNet, gives every benchmark method its own instance and global setup, and
    /// runs the iteration setup and cleanup around each call.
    /// </summary>
    private static void RunOne(Type type, IReadOnlyList<(MemberInfo Member, object? Value)> parameters, TextWriter output, string label)
    {
        var benchmarks = BenchmarkMethods(type).ToList();
        foreach (var benchmark in benchmarks)
        {
            var instance = Create(type, parameters);
            Invoke<GlobalSetupAttribute>(instance, benchmark);
            try
            {
                for (var call = 0; call < CallsPerMethod; call++)
                {
                    Invoke<IterationSetupAttribute>(instance, benchmark);
                    ((ISmokeCheck)instance).Verify(benchmark.Name, Await(benchmark.Invoke(instance, null)));
                    Invoke<IterationCleanupAttribute>(instance, benchmark);
                }
            }
            finally
            {
                Invoke<GlobalCleanupAttribute>(instance, benchmark);
            }
        }
        output.WriteLine($"ok   {label}: {string.Join(", ", benchmarks.Select(b => b.Name))}");
    }

    /// <summary>
    /// The result of an asynchronous benchmark (a <see cref="Task"/> or <see cref="Task{TResult}"/>)
    /// once it has completed, as BenchmarkDotNet awaits it; any other result as it is.
    /// </summary>
    private static object? Await(object? result)
    {
        if (result is not Task task)
        {
            return result;
        }
        task.GetAwaiter().GetResult();
        // An async method's task is a subclass of Task<TResult> (the state machine box).
        for (var type = task.GetType(); type is not null; type = type.BaseType)
        {
            if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Task<>))
            {
                return type.GetProperty(nameof(Task<object>.Result))!.GetValue(task);
            }
        }
        return null;
    }

    private static object Create(Type type, IReadOnlyList<(MemberInfo Member, object? Value)> parameters)
    {
        var instance = Activator.CreateInstance(type)
            ?? throw new InvalidOperationException($"cannot create {type.Name}");
        if (instance is not ISmokeCheck)
        {
            throw new InvalidOperationException($"{type.Name} does not implement {nameof(ISmokeCheck)}");
        }
        foreach (var (member, value) in parameters)
        {
            switch (member)
            {
                case PropertyInfo property:
                    property.SetValue(instance, value);
                    break;
                case FieldInfo field:
                    field.SetValue(instance, value);
                    break;
            }
        }
        return instance;
    }

    private static IEnumerable<MethodInfo> BenchmarkMethods(Type type) =>
        type.GetMethods(BindingFlags.Public | BindingFlags.Instance)
            .Where(m => m.GetCustomAttribute<BenchmarkAttribute>() is not null)
            .OrderBy(m => m.Name, StringComparer.Ordinal);

    /// <summary>Calls the methods marked <typeparamref name="T"/> that apply to <paramref name="benchmark"/>.</summary>
    private static void Invoke<T>(object instance, MethodInfo benchmark)
        where T : TargetedAttribute
    {
        foreach (var method in instance.GetType().GetMethods(BindingFlags.Public | BindingFlags.Instance))
        {
            var attribute = method.GetCustomAttribute<T>();
            if (attribute is not null && (attribute.Targets is not { Length: > 0 } targets || targets.Contains(benchmark.Name)))
            {
                method.Invoke(instance, null);
            }
        }
    }

    /// <summary>
    /// Every combination of the class's [Params] values (one empty set when it has none), or of its
    /// [SmokeParams] values for a member that has them.
    /// </summary>
    private static IEnumerable<IReadOnlyList<(MemberInfo Member, object? Value)>> ParameterSets(Type type)
    {
        var members = type.GetMembers(BindingFlags.Public | BindingFlags.Instance)
            .Where(m => m.GetCustomAttribute<ParamsAttribute>() is not null)
            .OrderBy(m => m.Name, StringComparer.Ordinal)
            .ToList();
        IEnumerable<IReadOnlyList<(MemberInfo, object?)>> sets = [[]];
        foreach (var member in members)
        {
            IReadOnlyList<object?> values = member.GetCustomAttribute<SmokeParamsAttribute>()?.Values
                ?? member.GetCustomAttribute<ParamsAttribute>()!.Values;
            sets = sets.SelectMany(set => values.Select(v => (IReadOnlyList<(MemberInfo, object?)>)[.. set, (member, v)])).ToList();
        }
        return sets;
    }
}
