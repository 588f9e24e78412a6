"""Word lists the demo data is built from."""

CATEGORY_TREE: dict[str, list[str]] = {
    "Electronics": ["Headphones", "Cameras", "Smart Home"],
    "Home & Kitchen": ["Cookware", "Furniture", "Lighting"],
    "Books": ["Fiction", "Science", "Cooking"],
    "Sports & Outdoors": ["Cycling", "Camping", "Running"],
    "Clothing": ["Jackets", "Shoes", "Accessories"],
    "Toys & Games": ["Puzzles", "Board Games", "Building Sets"],
}

ADJECTIVES = (
    "Red Blue Green Black White Silver Golden Compact Deluxe Classic Modern Rustic Vintage "
    "Smart Portable Wireless Heavy-Duty Lightweight Ergonomic Organic Handmade Premium Nordic"
).split()
MATERIALS = "Oak Steel Cotton Leather Bamboo Ceramic Glass Wool Linen Carbon Copper Walnut".split()
NOUNS = (
    "Chair Lamp Kettle Backpack Speaker Jacket Tent Puzzle Notebook Bottle Watch Camera Sneaker "
    "Blanket Skillet Helmet Drone Keyboard Planter Scarf Bicycle Novel Atlas Cookbook"
).split()
DESCRIPTION_WORDS = (
    "durable comfortable elegant practical reliable versatile quiet efficient sturdy soft "
    "waterproof washable everyday travel gift family outdoor indoor kitchen office design "
    "quality crafted tested warranty colour finish size weight easy clean assemble"
).split()
REVIEW_TITLES = {
    1: ["Disappointing", "Broke quickly", "Not as described"],
    2: ["Could be better", "Meh", "Below expectations"],
    3: ["Decent", "Does the job", "Average"],
    4: ["Very good", "Happy with it", "Solid choice"],
    5: ["Excellent", "Love it", "Perfect", "Best purchase this year"],
}
IMAGE_COLOURS = [
    (231, 76, 60),
    (52, 152, 219),
    (46, 204, 113),
    (241, 196, 15),
    (155, 89, 182),
    (26, 188, 156),
    (230, 126, 34),
    (52, 73, 94),
    (236, 240, 241),
    (149, 165, 166),
    (192, 57, 43),
    (41, 128, 185),
]
