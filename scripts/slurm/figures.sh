# The figure binaries a Slurm job runs for its target (sourced): `all` is every figure with a
# config in experiments/ (fig3 ... fig7_s1s2), anything else must be one of them.
# Sets `figures` (space-separated) or exits with a message.
simec_figures_for() {
  local target="$1" all=() f
  for f in experiments/fig*.toml; do all+=("$(basename "$f" .toml)"); done
  if [ "$target" = all ]; then
    figures="${all[*]}"
  elif [ -f "experiments/$target.toml" ] && [[ "$target" = fig* ]]; then
    figures="$target"
  else
    echo "error: unknown figure \`$target\`: use \`all\` or one of ${all[*]}" >&2
    exit 2
  fi
}
