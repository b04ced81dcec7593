#!/usr/bin/env bash
# Local plasticity on Mackey-Glass, one step ahead: the test NRMSE of each rule and learning
# rate, with and without row normalisation, beside the same reservoir left as drawn. 200 units,
# spectral radius 1.25, leak 0.3, no bias, 2000 training steps (warm-up 100), 1000 test steps.
# Prints a Markdown table (docs/core.md, "Local plasticity").
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p aquifer-cli
aq="$PWD/target/release/aquifer"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
"$aq" dataset mackey-glass --steps 3000 -o mg.csv > /dev/null
{ echo x; sed -n '2,2001p' mg.csv; } > train.csv
{ echo x; sed -n '2002,3001p' mg.csv; } > test.csv
base='seed = 3
warmup = 100
[readout]
ridge = 1e-8
[reservoir]
units = 200
spectral_radius = 1.25
leak_rate = 0.3
bias = { kind = "none" }'
nrmse() {
    "$aq" fit -c c.toml train.csv --horizon 1 -o m.aqf > /dev/null
    "$aq" score m.aqf test.csv | awk '$1 == "x" { print $2 }'
}
echo "$base" > c.toml
echo "reservoir as drawn (no learning): NRMSE $(nrmse)"
echo
echo "| rule | eta 1e-5 | eta 1e-5, rows normalised | eta 1e-4 | eta 1e-4, normalised | eta 1e-3 | eta 1e-3, normalised |"
echo "|---|---|---|---|---|---|---|"
for rule in oja anti-oja hebbian anti-hebbian bcm; do
    line="| $rule"
    for eta in 1e-5 1e-4 1e-3; do
        for norm in false true; do
            printf '%s\nkind = "local"\nrule = "%s"\neta = %s\nsynapse_normalization = %s\n' \
                "$base" "$rule" "$eta" "$norm" > c.toml
            line="$line | $(nrmse)"
        done
    done
    echo "$line |"
done
