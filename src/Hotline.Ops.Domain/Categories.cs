namespace Hotline.Ops.Domain;

/// <summary>A request category (诉求类型) with the bulletin's name and its share of February 2024's requests.</summary>
public sealed record Category(string Id, string Name, string NameEn, double Share);

/// <summary>The categories of the bulletin, by stable ASCII id; everything else is "other".</summary>
public static class Categories
{
    public const string PublicServices = "public-services";
    public const string Transport = "transport";
    public const string HrSocialSecurity = "hr-social-security";
    public const string CityManagement = "city-management";
    public const string MarketRegulation = "market-regulation";
    public const string PublicSecurity = "public-security";
    public const string HousingConstruction = "housing-construction";
    public const string Other = "other";

    public static readonly IReadOnlyList<Category> All =
    [
        new(PublicServices, "公共服务", "Public services", 0.2529),
        new(Transport, "交通运输与交通秩序", "Transport & traffic", 0.2103),
        new(HrSocialSecurity, "人力资源和社会保障", "HR & social security", 0.1766),
        new(CityManagement, "城市管理", "City management", 0.0791),
        new(MarketRegulation, "市场管理", "Market regulation", 0.0682),
        new(PublicSecurity, "社会治安与综合治理", "Public security", 0.0645),
        new(HousingConstruction, "住房与城乡建设", "Housing & construction", 0.0382),
        new(Other, "其他", "Other", 1 - 0.2529 - 0.2103 - 0.1766 - 0.0791 - 0.0682 - 0.0645 - 0.0382),
    ];

    public static Category Of(string? id) => All.FirstOrDefault(c => c.Id == id) ?? All[^1];

    public static bool IsKnown(string? id) => All.Any(c => c.Id == id);
}
