using System.Globalization;
using System.Text;

namespace ProcessGrid.Runtime.Rpc;

/// <summary>
/// The rule that decides whether a value fits a type, for a function's arguments on the node that runs it and for its
/// result on the caller's node, and the words errors use to describe values and types (C#'s own spelling).
/// </summary>
/// <remarks>
/// A value fits when it is an instance of the type, or a number that converts to the type's numeric type without loss
/// (an <c>int</c> for a <c>long</c> or a <c>double</c>; a <c>long</c> for an <c>int</c> only if it is in range; a
/// <c>double</c> for an <c>int</c> only if it is whole). Null fits a reference type or a nullable one. Nothing else is
/// converted: a value of the wrong type is an error that says so, rather than a guess.
/// </remarks>
internal static class RpcValues
{
    /// <summary>True when <paramref name="value"/> fits <paramref name="type"/>; <paramref name="converted"/> is then the value as that type.</summary>
    public static bool TryConvert(object? value, Type type, out object? converted)
    {
        converted = value;
        if (value is null)
        {
            return !type.IsValueType || Nullable.GetUnderlyingType(type) is not null;
        }
        if (type.IsInstanceOfType(value))
        {
            return true;
        }
        var target = Nullable.GetUnderlyingType(type) ?? type;
        var source = value.GetType();
        if (!IsNumber(source) || !IsNumber(target))
        {
            return false;
        }
        try
        {
            var candidate = Convert.ChangeType(value, target, CultureInfo.InvariantCulture);
            // Lossless only: converting back must give the same value (3.5 does not become 4, 3e9 does not wrap).
            if (Convert.ChangeType(candidate, source, CultureInfo.InvariantCulture).Equals(value))
            {
                converted = candidate;
                return true;
            }
        }
        catch (OverflowException)
        {
        }
        return false;
    }

    private static bool IsNumber(Type type) =>
        !type.IsEnum && Type.GetTypeCode(type) is >= TypeCode.SByte and <= TypeCode.Decimal;

    /// <summary>A value as an error shows it: its type, and for a short simple value the value too (<c>string "abc"</c>, <c>long 5000000000</c>).</summary>
    public static string Describe(object? value)
    {
        if (value is null)
        {
            return "null";
        }
        var type = NameOf(value.GetType());
        return value switch
        {
            string text when text.Length <= 40 => $"{type} \"{text}\"",
            string => type,
            IFormattable or bool => $"{type} {Convert.ToString(value, CultureInfo.InvariantCulture)}",
            Pid or NodeName => $"{type} {value}",
            _ => type,
        };
    }

    /// <summary>A type as C# writes it: <c>int</c>, <c>string?</c>, <c>List&lt;int&gt;</c>, <c>int[]</c>, <c>Order</c>.</summary>
    public static string NameOf(Type type)
    {
        if (Nullable.GetUnderlyingType(type) is { } underlying)
        {
            return NameOf(underlying) + "?";
        }
        if (type.IsArray)
        {
            return NameOf(type.GetElementType()!) + "[" + new string(',', type.GetArrayRank() - 1) + "]";
        }
        if (Keyword(type) is { } keyword)
        {
            return keyword;
        }
        if (!type.IsGenericType)
        {
            return type.Name;
        }
        var name = new StringBuilder(type.Name, 0, type.Name.IndexOf('`') is var tick and >= 0 ? tick : type.Name.Length, 64);
        name.Append('<').AppendJoin(", ", type.GetGenericArguments().Select(NameOf)).Append('>');
        return name.ToString();
    }

    private static string? Keyword(Type type) => Type.GetTypeCode(type) switch
    {
        _ when type.IsEnum => null,
        TypeCode.Boolean => "bool",
        TypeCode.Char => "char",
        TypeCode.SByte => "sbyte",
        TypeCode.Byte => "byte",
        TypeCode.Int16 => "short",
        TypeCode.UInt16 => "ushort",
        TypeCode.Int32 => "int",
        TypeCode.UInt32 => "uint",
        TypeCode.Int64 => "long",
        TypeCode.UInt64 => "ulong",
        TypeCode.Single => "float",
        TypeCode.Double => "double",
        TypeCode.Decimal => "decimal",
        TypeCode.String => "string",
        _ when type == typeof(object) => "object",
        _ => null,
    };
}
