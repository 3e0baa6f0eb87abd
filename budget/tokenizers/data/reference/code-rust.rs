use std::collections::HashMap;
use std::fs;
use std::io::{self, BufRead};

/// Counts words in a file and prints the ten most frequent ones.
fn main() -> io::Result<()> {
    let path = std::env::args().nth(1).unwrap_or_else(|| "input.txt".to_string());
    let file = fs::File::open(&path)?;
    let mut counts: HashMap<String, usize> = HashMap::new();

    for line in io::BufReader::new(file).lines() {
        for word in line?.split_whitespace() {
            let cleaned: String = word
                .chars()
                .filter(|c| c.is_alphanumeric() || *c == '\'')
                .flat_map(char::to_lowercase)
                .collect();
            if !cleaned.is_empty() {
                *counts.entry(cleaned).or_insert(0) += 1;
            }
        }
    }

    let mut ranked: Vec<(&String, &usize)> = counts.iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
    for (word, count) in ranked.into_iter().take(10) {
        println!("{count:>8}  {word}");
    }
    Ok(())
}
