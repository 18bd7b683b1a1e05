using System.ComponentModel.DataAnnotations;
using System.Reflection;

namespace Exp22.AppHost.Settings;

/// <summary>Binds and validates the <c>AppHost</c> section before the model is built: a bad value stops the start naming its key.</summary>
internal static class AppHostSettingsLoader
{
    public static AppHostSettings Load(IConfiguration configuration)
    {
        var settings = new AppHostSettings();
        try
        {
            configuration.GetSection(AppHostSettings.SectionName).Bind(settings);
        }
        catch (InvalidOperationException e)
        {
            // The binder's message names the key and the value it could not convert.
            throw new AppHostSettingsException(e.Message, e);
        }

        Validate(settings, AppHostSettings.SectionName);
        return settings;
    }

    private static void Validate(object settings, string path)
    {
        var results = new List<ValidationResult>();
        if (!Validator.TryValidateObject(settings, new ValidationContext(settings), results, validateAllProperties: true))
        {
            var failure = results[0];
            var key = $"{path}:{failure.MemberNames.FirstOrDefault()}";
            throw new AppHostSettingsException($"{key}: {failure.ErrorMessage}");
        }

        foreach (var property in settings.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.PropertyType.IsClass && property.PropertyType != typeof(string) && property.GetValue(settings) is { } nested)
                Validate(nested, $"{path}:{property.Name}");
        }
    }
}

/// <summary>A setting of the <c>AppHost</c> section is unusable; the message starts with its key.</summary>
internal sealed class AppHostSettingsException(string message, Exception? inner = null) : Exception(message, inner);
