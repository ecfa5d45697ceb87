//! One workspace struct per LAPACK symmetric eigensolver (crate-private), after ndarray-linalg's
//! `lax/src/eigh.rs`: `new` runs the workspace query once and allocates, `calc` runs the routine.
//! Both calls share one argument list, so the query and the computation cannot drift apart.

use nalgebra::DMatrix;

use crate::blas::to_i32;
use crate::BaselineError;

/// `dsyevd` (`JOBZ = 'V'`, `UPLO = 'L'`): every eigenpair of an `n x n` symmetric matrix by divide
/// and conquer.
pub(crate) struct DsyevdWork {
    n: i32,
    /// Eigenvalues, ascending, after [`Self::calc`]. `[n]`.
    pub(crate) w: Vec<f64>,
    work: Vec<f64>,
    iwork: Vec<i32>,
}

impl DsyevdWork {
    /// Workspaces for order `n`.
    ///
    /// # Errors
    /// [`BaselineError::TooLarge`], [`BaselineError::Lapack`] if the query fails.
    pub(crate) fn new(n: usize) -> Result<Self, BaselineError> {
        with_queried_workspaces(Self {
            n: to_i32("n", n)?,
            w: vec![0.0; n],
            work: vec![0.0; 1],
            iwork: vec![0; 1],
        })
    }

    /// Overwrites `a` (`[n, n]`, lower triangle read) with its eigenvectors (columns, in the order of
    /// [`Self::w`], ascending).
    ///
    /// # Errors
    /// [`BaselineError::TooLarge`], [`BaselineError::Lapack`] (no convergence).
    pub(crate) fn calc(&mut self, a: &mut DMatrix<f64>) -> Result<(), BaselineError> {
        run(self, a)
    }
}

impl Routine for DsyevdWork {
    const NAME: &'static str = "dsyevd";
    const QUERY: &'static str = "dsyevd (workspace query)";

    fn workspaces(&mut self) -> (&mut Vec<f64>, &mut Vec<i32>) {
        (&mut self.work, &mut self.iwork)
    }

    fn call(&mut self, a: &mut [f64], lwork: i32, liwork: i32) -> i32 {
        let mut info = 0_i32;
        // SAFETY: a is n x n column-major with lda = n (a 1-entry dummy for the query, which LAPACK
        // does not read); w has n entries; work and iwork have lwork and liwork entries (one
        // each for the query).
        unsafe {
            lapack::dsyevd(
                b'V',
                b'L',
                self.n,
                a,
                self.n.max(1),
                &mut self.w,
                &mut self.work,
                lwork,
                &mut self.iwork,
                liwork,
                &mut info,
            );
        }
        info
    }
}

/// `dsyevr` (`JOBZ = 'V'`, `RANGE = 'I'`, `UPLO = 'L'`, `ABSTOL = 0`): the eigenpairs with indices
/// `il..=iu` (1-based, ascending) of an `n x n` symmetric matrix.
pub(crate) struct DsyevrWork {
    n: i32,
    il: i32,
    iu: i32,
    /// Number of eigenvalues found, after [`Self::calc`].
    pub(crate) m_found: i32,
    /// Eigenvalues, ascending, in the first `m_found` entries after [`Self::calc`]. `[n]`.
    pub(crate) w: Vec<f64>,
    /// Eigenvectors as columns, after [`Self::calc`]. `[n, iu - il + 1]`.
    pub(crate) z: DMatrix<f64>,
    isuppz: Vec<i32>,
    work: Vec<f64>,
    iwork: Vec<i32>,
}

impl DsyevrWork {
    /// Workspaces for the `k` largest (`top`) or smallest eigenpairs of an `n x n` matrix
    /// (`1 <= k <= n`, the caller's duty).
    ///
    /// # Errors
    /// [`BaselineError::TooLarge`], [`BaselineError::Lapack`] if the query fails.
    pub(crate) fn new(n: usize, k: usize, top: bool) -> Result<Self, BaselineError> {
        let n_i = to_i32("n", n)?;
        let k_i = to_i32("k", k)?;
        let (il, iu) = if top { (n_i - k_i + 1, n_i) } else { (1, k_i) };
        with_queried_workspaces(Self {
            n: n_i,
            il,
            iu,
            m_found: 0,
            w: vec![0.0; n],
            z: DMatrix::zeros(n, k),
            isuppz: vec![0; 2 * k.max(1)],
            work: vec![0.0; 1],
            iwork: vec![0; 1],
        })
    }

    /// Computes the pairs of `a` (`[n, n]`, lower triangle read, overwritten) into [`Self::w`] and
    /// [`Self::z`].
    ///
    /// # Errors
    /// [`BaselineError::TooLarge`], [`BaselineError::Lapack`] (failure, or a count other than
    /// `iu - il + 1`).
    pub(crate) fn calc(&mut self, a: &mut DMatrix<f64>) -> Result<(), BaselineError> {
        run(self, a)?;
        if self.m_found != self.iu - self.il + 1 {
            // LAPACK promises M = IU - IL + 1 for RANGE = 'I'; anything else is a library failure.
            return Err(BaselineError::Lapack {
                routine: "dsyevr (eigenvalue count)",
                info: self.m_found,
            });
        }
        Ok(())
    }
}

impl Routine for DsyevrWork {
    const NAME: &'static str = "dsyevr";
    const QUERY: &'static str = "dsyevr (workspace query)";

    fn workspaces(&mut self) -> (&mut Vec<f64>, &mut Vec<i32>) {
        (&mut self.work, &mut self.iwork)
    }

    fn call(&mut self, a: &mut [f64], lwork: i32, liwork: i32) -> i32 {
        let mut info = 0_i32;
        // SAFETY: a is n x n column-major with lda = n (a 1-entry dummy for the query, not read);
        // w has n entries; z is n x k with ldz = n, as RANGE = 'I' needs; isuppz has 2k entries;
        // work and iwork have lwork and liwork entries (one each for the query).
        unsafe {
            lapack::dsyevr(
                b'V',
                b'I',
                b'L',
                self.n,
                a,
                self.n.max(1),
                0.0,
                0.0,
                self.il,
                self.iu,
                0.0,
                &mut self.m_found,
                &mut self.w,
                self.z.as_mut_slice(),
                self.n.max(1),
                &mut self.isuppz,
                &mut self.work,
                lwork,
                &mut self.iwork,
                liwork,
                &mut info,
            );
        }
        info
    }
}

/// What the query-then-allocate step and the checked call need of a routine's workspace struct.
trait Routine {
    /// The routine's name, for errors.
    const NAME: &'static str;
    /// The same for its workspace query.
    const QUERY: &'static str;

    /// `(work, iwork)`.
    fn workspaces(&mut self) -> (&mut Vec<f64>, &mut Vec<i32>);

    /// One call of the routine on `a` (`[n, n]` column-major); `lwork = liwork = -1` is the
    /// workspace query (sizes into `work[0]`, `iwork[0]`, `a` not read). Returns LAPACK's `info`.
    fn call(&mut self, a: &mut [f64], lwork: i32, liwork: i32) -> i32;
}

/// `routine` with `work` and `iwork` sized by its workspace query.
fn with_queried_workspaces<R: Routine>(mut routine: R) -> Result<R, BaselineError> {
    let info = routine.call(&mut [0.0], -1, -1);
    if info != 0 {
        return Err(BaselineError::Lapack {
            routine: R::QUERY,
            info,
        });
    }
    let (work, iwork) = routine.workspaces();
    *work = vec![0.0; workspace_len(R::NAME, work[0])?];
    *iwork = vec![0; iwork[0].max(1) as usize];
    Ok(routine)
}

/// One checked call of `routine` on `a` with its queried workspaces.
fn run<R: Routine>(routine: &mut R, a: &mut DMatrix<f64>) -> Result<(), BaselineError> {
    let (work, iwork) = routine.workspaces();
    let lwork = to_i32(R::NAME, work.len())?;
    let liwork = iwork.len() as i32; // from an i32 query
    let info = routine.call(a.as_mut_slice(), lwork, liwork);
    if info != 0 {
        return Err(BaselineError::Lapack {
            routine: R::NAME,
            info,
        });
    }
    Ok(())
}

/// LAPACK reports optimal workspace sizes as `f64`; convert and bound-check.
fn workspace_len(what: &'static str, reported: f64) -> Result<usize, BaselineError> {
    let len = reported.max(1.0).ceil();
    if len > i32::MAX as f64 {
        return Err(BaselineError::TooLarge {
            what,
            value: len as usize,
        });
    }
    Ok(len as usize)
}
