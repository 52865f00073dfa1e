export async function benchGrowth(_repeats: number): Promise<string> {
  return "todo";
}
