"""Who may see a course's editorial content: answer keys, speaker notes and hidden slides.

Lecturers, staff and admins prepare and check lectures and see slides whole. Trainees see the
trainee view: no hidden slides, no notes (a quiz slide's notes hold its answer), and quizzes
without their answer. (The explanation stays: the study page shows it, in the trainee's
language, once the trainee has answered.) Every route that shows trainees slides goes through here.
"""

from __future__ import annotations

from app.accounts.tenancy import Principal
from app.courses.schemas import ModuleSlides, SlideRead

EDITORIAL_ROLES = ("admin", "lecturer", "staff")


def sees_editorial_content(principal: Principal) -> bool:
    return principal.role in EDITORIAL_ROLES


def trainee_slide(slide: SlideRead) -> SlideRead:
    """The slide without its notes and without its quiz's answer."""
    quiz = (
        {k: v for k, v in slide.quiz.items() if k != "answer"} if slide.quiz is not None else None
    )
    return slide.model_copy(update={"notes": "", "quiz": quiz})


def trainee_module(module: ModuleSlides) -> ModuleSlides:
    """The module as trainees see it: visible slides only, each as ``trainee_slide``."""
    shown = [trainee_slide(s) for s in module.slides if not s.hidden]
    return module.model_copy(update={"slides": shown})


def module_for(principal: Principal, module: ModuleSlides) -> ModuleSlides:
    """The module whole for lecturers, staff and admins; the trainee view for anyone else."""
    return module if sees_editorial_content(principal) else trainee_module(module)
