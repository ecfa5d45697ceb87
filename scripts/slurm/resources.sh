# Resource requests of every simec Slurm job: the one place to edit them (or override any of them
# by setting the variable in the environment of scripts/slurm/submit.sh).
# Sourced by submit.sh; not a job script.

# Cores per array task: each task trains its SimEc points on these (rayon and OpenBLAS follow
# SLURM_CPUS_PER_TASK), and `--jobs` defaults to one point per core.
: "${SIMEC_SLURM_CPUS_PER_TASK:=2}"
# Memory per array task. The paper profiles' largest matrices are Figure 4's 8000 x 8000 kernels
# (512 MB each in f64, a few alive at once) and Figure 7's 5000 x 5000 pairs; not measured per
# figure: raise it if the scheduler kills tasks for memory (sacct's State OUT_OF_MEMORY).
: "${SIMEC_SLURM_MEM:=16G}"
# Wall-time limit per array task (HH:MM:SS). One paper-profile replicate of Figure 7, the
# slowest, took 5987 s as a single process on 2 cores; a shard of N does about 1/N of it plus
# the figure's setup.
: "${SIMEC_SLURM_TIME:=04:00:00}"
# Partition; empty: the cluster's default.
: "${SIMEC_SLURM_PARTITION:=}"
# The merge job: one core, the figure's setup when drawing needs it (Figure 5), minutes.
: "${SIMEC_SLURM_MERGE_MEM:=8G}"
: "${SIMEC_SLURM_MERGE_TIME:=00:30:00}"
# Where the jobs' stdout/stderr go (relative to the checkout).
: "${SIMEC_SLURM_LOGS:=slurm-logs}"
