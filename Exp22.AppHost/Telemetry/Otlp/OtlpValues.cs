using System.Globalization;
using Google.Protobuf;
using Google.Protobuf.Collections;
using OpenTelemetry.Proto.Common.V1;
using OpenTelemetry.Proto.Resource.V1;

namespace Exp22.AppHost.Telemetry.Otlp;

/// <summary>OTLP values as the dashboard shows them: ids in hex, times in milliseconds, values as text.</summary>
internal static class OtlpValues
{
    public static string Hex(ByteString bytes) => Convert.ToHexStringLower(bytes.Span);

    public static string? HexOrNull(ByteString bytes) => bytes.IsEmpty || IsAllZero(bytes) ? null : Hex(bytes);

    public static double Milliseconds(ulong unixNanos) => unixNanos / 1_000_000.0;

    public static Dictionary<string, string> Attributes(RepeatedField<KeyValue> attributes)
    {
        var result = new Dictionary<string, string>(attributes.Count, StringComparer.Ordinal);
        foreach (var attribute in attributes)
            result[attribute.Key] = Text(attribute.Value);
        return result;
    }

    public static string Text(AnyValue? value) => value?.ValueCase switch
    {
        null or AnyValue.ValueOneofCase.None => "",
        AnyValue.ValueOneofCase.StringValue => value.StringValue,
        AnyValue.ValueOneofCase.BoolValue => value.BoolValue ? "true" : "false",
        AnyValue.ValueOneofCase.IntValue => value.IntValue.ToString(CultureInfo.InvariantCulture),
        AnyValue.ValueOneofCase.DoubleValue => value.DoubleValue.ToString(CultureInfo.InvariantCulture),
        AnyValue.ValueOneofCase.ArrayValue => "[" + string.Join(", ", value.ArrayValue.Values.Select(Text)) + "]",
        AnyValue.ValueOneofCase.KvlistValue => "{" + string.Join(", ", value.KvlistValue.Values.Select(kv => $"{kv.Key}: {Text(kv.Value)}")) + "}",
        AnyValue.ValueOneofCase.BytesValue => Convert.ToBase64String(value.BytesValue.Span),
        _ => "",
    };

    public static Storage.TelemetryResource Resource(Resource? resource)
    {
        string? serviceName = null, instanceId = null;
        foreach (var attribute in resource?.Attributes ?? [])
        {
            if (attribute.Key == "service.name")
                serviceName = Text(attribute.Value);
            else if (attribute.Key == "service.instance.id")
                instanceId = Text(attribute.Value);
        }

        return new Storage.TelemetryResource(
            string.IsNullOrWhiteSpace(serviceName) ? "unknown_service" : serviceName,
            string.IsNullOrWhiteSpace(instanceId) ? null : instanceId);
    }

    private static bool IsAllZero(ByteString bytes)
    {
        foreach (var b in bytes.Span)
        {
            if (b != 0)
                return false;
        }

        return true;
    }
}
